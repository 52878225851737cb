"""Messenger webhook: handshake, signatures, events, Send API rendering."""
from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.support import payloads as p
from tests.support.payloads import new_psid
from tests.support.channels import send_messenger as send
from tests.support.channels import SECRETS
from tests.support.channels import meta_sign, post_meta, request, wait_for

SECRET = SECRETS["MESSENGER_APP_SECRET"]


def sent_to(api, psid, predicate=lambda b: "message" in b, count=1):
    def found():
        bodies = [c["json"] for c in api.calls("messenger")
                  if c["json"]["recipient"]["id"] == psid and predicate(c["json"])]
        return bodies[-1] if len(bodies) >= count else None
    return wait_for(found, what=f"a Send API call to {psid}")


def test_handshake_echoes_challenge_only_for_the_verify_token(harness):
    url = harness.webhook("messenger") + "?"
    ok = request("GET", url + urllib.parse.urlencode({
        "hub.mode": "subscribe", "hub.verify_token": SECRETS["MESSENGER_VERIFY_TOKEN"],
        "hub.challenge": "CHALLENGE_ACCEPTED"}))
    bad = request("GET", url + urllib.parse.urlencode({
        "hub.mode": "subscribe", "hub.verify_token": SECRETS["WHATSAPP_VERIFY_TOKEN"],
        "hub.challenge": "CHALLENGE_ACCEPTED"}))
    assert (ok.status, ok.body) == (200, "CHALLENGE_ACCEPTED")
    assert bad.status == 403


def test_text_reaches_bot_with_psid_identity_and_reply_goes_to_send_api(harness, api):
    psid = new_psid()
    assert send(harness, p.fb_text("hi there", psid=psid)).status == 200
    turn = harness.wait_event(sender_id=psid)
    assert turn["input_channel"] == "messenger" and turn["text"] == "hi there"
    assert turn["metadata"]["channel_identity"] == {"type": "messenger_psid", "value": psid}
    assert turn["metadata"]["messenger"]["message_id"] == turn["message_id"]

    reply = sent_to(api, psid)
    assert reply["message"] == {"text": "echo: hi there"}
    assert reply["messaging_type"] == "RESPONSE"
    calls = api.calls("messenger")
    assert all(c["query"]["access_token"] == SECRETS["MESSENGER_PAGE_ACCESS_TOKEN"]
               and c["path"] == "/v19.0/me/messages" for c in calls)
    actions = [c["json"] for c in calls if c["json"]["recipient"]["id"] == psid]
    assert actions[0] == {"recipient": {"id": psid}, "sender_action": "typing_on"}


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc"])
def test_bad_or_missing_signature_is_403_and_not_processed(harness, signature):
    psid = new_psid()
    body = json.dumps(p.fb_text("forged", psid=psid)).encode()
    reply = post_meta(harness.webhook("messenger"), body, None,
                      signature=signature if signature else None)
    assert reply.status == 403
    send(harness, p.fb_text("genuine", psid=psid))
    harness.wait_event(sender_id=psid, text="genuine")
    assert not harness.events(sender_id=psid, text="forged")


def test_signature_with_the_whatsapp_secret_is_refused(harness):
    body = json.dumps(p.fb_text("wrong app")).encode()
    reply = post_meta(harness.webhook("messenger"), body, None,
                      signature=meta_sign(body, SECRETS["WHATSAPP_APP_SECRET"]))
    assert reply.status == 403


def test_echo_delivery_and_read_are_acknowledged_and_ignored(harness):
    psid = new_psid()
    for payload in (p.fb_echo("our own reply", psid=psid), p.fb_delivery(psid=psid),
                    p.fb_read(psid=psid)):
        assert send(harness, payload).status == 200
    send(harness, p.fb_text("real one", psid=psid))
    harness.wait_event(sender_id=psid, text="real one")
    assert [e["text"] for e in harness.events(sender_id=psid)] == ["real one"]
    assert not harness.events(sender_id=p.PAGE_ID)


def test_three_buttons_become_a_button_template_and_postback_maps_back(harness, api):
    psid = new_psid()
    send(harness, p.fb_text("buttons 3", psid=psid))
    body = sent_to(api, psid, lambda b: "attachment" in b.get("message", {}))
    template = body["message"]["attachment"]["payload"]
    assert template["template_type"] == "button" and template["text"] == "Pick one"
    assert [b["type"] for b in template["buttons"]] == ["postback"] * 3
    chosen = template["buttons"][2]

    send(harness, p.fb_postback(chosen["title"], chosen["payload"], psid=psid))
    turn = harness.wait_event(sender_id=psid, text='/choose{"n":3}')
    assert turn["metadata"]["messenger"]["type"] == "postback"


def test_more_buttons_become_quick_replies_and_quick_reply_maps_back(harness, api):
    psid = new_psid()
    send(harness, p.fb_text("buttons 13", psid=psid))
    body = sent_to(api, psid, lambda b: "quick_replies" in b.get("message", {}))
    replies = body["message"]["quick_replies"]
    assert len(replies) == 13 and all(len(r["title"]) <= 20 for r in replies)
    assert body["message"]["text"] == "Pick one"

    send(harness, p.fb_quick_reply(replies[9]["title"], replies[9]["payload"], psid=psid))
    harness.wait_event(sender_id=psid, text='/choose{"n":10}')


def test_more_than_thirteen_choices_are_numbered_text(harness, api):
    psid = new_psid()
    send(harness, p.fb_text("buttons 14", psid=psid))
    body = sent_to(api, psid, lambda b: "14. Option 14" in b.get("message", {}).get(
        "text", ""))
    assert "quick_replies" not in body["message"]
    send(harness, p.fb_text("14", psid=psid))
    harness.wait_event(sender_id=psid, text='/choose{"n":14}')


def test_image_attachment_reaches_bot_as_media_placeholder(harness):
    psid = new_psid()
    send(harness, p.fb_image(psid=psid))
    turn = harness.wait_event(sender_id=psid)
    assert turn["text"] == '/share_media{"media_type":"image"}'
    assert turn["metadata"]["messenger"]["attachments"][0]["payload"]["url"].startswith(
        "https://")


def test_image_reply_is_an_image_attachment(harness, api):
    psid = new_psid()
    send(harness, p.fb_text("image", psid=psid))
    body = sent_to(api, psid, lambda b: "attachment" in b.get("message", {}))
    assert body["message"]["attachment"] == {"type": "image", "payload": {
        "url": "https://example.com/label.png", "is_reusable": True}}
