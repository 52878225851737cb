"""Every channel: oversize 413, malformed 400, unknown events acked; none reach the bot."""
from __future__ import annotations

import json
import urllib.parse

import pytest
from twilio.request_validator import RequestValidator

from tests.support import payloads as p
from tests.support.channels import PUBLIC_TWILIO_URL, SECRETS
from tests.support.channels import meta_sign, post_meta, post_twilio, request, wait_for

META_SECRETS = {"whatsapp": SECRETS["WHATSAPP_APP_SECRET"],
                "messenger": SECRETS["MESSENGER_APP_SECRET"]}
TOKEN = SECRETS["TWILIO_AUTH_TOKEN"]
BIG = "x" * (1024 * 1024 + 10)


def twilio_raw(harness, body: bytes, signature: str = "unused"):
    return request("POST", harness.webhook("twilio_whatsapp"), body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature})


def assert_not_processed(harness, channel: str, sender: str) -> None:
    """A genuine follow-up from the same customer is processed, and nothing else:
    a customer's messages are processed in order, so an earlier accepted one
    would have shown up first."""
    before = len(harness.events(sender_id=sender))
    if channel == "whatsapp":
        post_meta(harness.webhook(channel), p.wa_text("follow-up", wa_id=sender[1:]),
                  META_SECRETS[channel])
    elif channel == "messenger":
        post_meta(harness.webhook(channel), p.fb_text("follow-up", psid=sender),
                  META_SECRETS[channel])
    else:
        post_twilio(harness.webhook(channel), p.tw_message("follow-up", phone=sender),
                    TOKEN, signed_url=PUBLIC_TWILIO_URL)
    wait_for(lambda: len(harness.events(sender_id=sender)) > before, what="the follow-up")
    assert {e["text"] for e in harness.events(sender_id=sender)} == {"follow-up"}


def new_sender(channel: str) -> str:
    return {"whatsapp": "+" + p.unique_wa_id(), "twilio_whatsapp": "+" + p.unique_wa_id(),
            "messenger": "66" + p.unique_wa_id()}[channel]


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_meta_body_over_one_mib_is_413(harness, channel):
    sender = new_sender(channel)
    payload = (p.wa_text(BIG, wa_id=sender[1:]) if channel == "whatsapp"
               else p.fb_text(BIG, psid=sender))
    reply = post_meta(harness.webhook(channel), payload, META_SECRETS[channel])
    assert reply.status == 413
    assert_not_processed(harness, channel, sender)


def test_twilio_body_over_one_mib_is_413(harness):
    sender = new_sender("twilio_whatsapp")
    form = p.tw_message(BIG, phone=sender)
    reply = post_twilio(harness.webhook("twilio_whatsapp"), form, TOKEN,
                        signed_url=PUBLIC_TWILIO_URL)
    assert reply.status == 413
    assert_not_processed(harness, "twilio_whatsapp", sender)


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
@pytest.mark.parametrize("body", [b'{"object": "page", "entry": [', b"[1, 2]", b"\xff\xfe"])
def test_meta_malformed_json_is_400_even_when_signed(harness, channel, body):
    reply = post_meta(harness.webhook(channel), body, META_SECRETS[channel])
    assert reply.status == 400


@pytest.mark.parametrize("body", [b"Body=hi&MessageSid", b"Body=\xff\xfe&From=x"])
def test_twilio_malformed_form_is_400(harness, body):
    assert twilio_raw(harness, body).status == 400


@pytest.mark.parametrize("channel,payload", [
    ("whatsapp", {"object": "instagram", "entry": []}),
    ("whatsapp", {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}]}]}),
    ("whatsapp", {"object": "whatsapp_business_account", "entry": "not-a-list"}),
    ("messenger", {"object": "page", "entry": [{"id": p.PAGE_ID, "time": 1, "messaging": [
        {"sender": {"id": "6600000000000902"}, "recipient": {"id": p.PAGE_ID},
         "timestamp": 1, "game_play": {"game_id": "1"}}]}]}),
    ("messenger", {"object": "page", "entry": [{"id": p.PAGE_ID, "time": 1, "messaging": [
        {"sender": {"id": "6600000000000902"}, "recipient": {"id": p.PAGE_ID},
         "timestamp": 1, "message": {"mid": "m_sticker_only", "sticker_id": 369239263222822,
                                     "attachments": [{"type": "fallback"}]}}]}]}),
    ("messenger", {"object": "user", "entry": []}),
])
def test_unknown_meta_events_are_acknowledged_and_ignored(harness, channel, payload):
    reply = post_meta(harness.webhook(channel), payload, META_SECRETS[channel])
    assert reply.status == 200
    if channel == "messenger":
        assert_not_processed(harness, channel, "6600000000000902")


def test_unknown_twilio_event_is_acknowledged_and_ignored(harness):
    sender = new_sender("twilio_whatsapp")
    form = {"AccountSid": p.TWILIO_SID, "From": sender, "Body": "sms, not whatsapp",
            "MessageSid": p.unique("SM")}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_TWILIO_URL, form)
    reply = twilio_raw(harness, urllib.parse.urlencode(form).encode(), signature)
    assert reply.status == 200
    assert_not_processed(harness, "twilio_whatsapp", sender)


def test_signature_is_checked_before_the_body_is_parsed(harness):
    body = json.dumps(p.wa_text("hi")).encode()
    forged = post_meta(harness.webhook("whatsapp"), b"{broken", None,
                       signature=meta_sign(body, SECRETS["WHATSAPP_APP_SECRET"]))
    assert forged.status == 403
