"""WhatsApp through Twilio: signature (behind a proxy), messages, choices, statuses.

The session harness runs with TWILIO_WEBHOOK_URL set to a public https URL,
as behind a reverse proxy: Twilio signs that URL, not the local one.
"""
from __future__ import annotations

import asyncio
import base64
import urllib.parse

from twilio.request_validator import RequestValidator

from addons.channels.state import ChannelState
from tests.support import payloads as p
from tests.support.channels import PUBLIC_TWILIO_URL, SECRETS, channel_env, start_harness
from tests.support.channels import post_twilio, request, wait_for

TOKEN = SECRETS["TWILIO_AUTH_TOKEN"]


def new_phone() -> str:
    return "+" + p.unique_wa_id()


def send(harness, form):
    return post_twilio(harness.webhook("twilio_whatsapp"), form, TOKEN,
                       signed_url=PUBLIC_TWILIO_URL)


def sent_to(api, phone, predicate=lambda f: True, count=1):
    def found():
        forms = [c["form"] for c in api.calls("twilio")
                 if c["form"]["To"] == f"whatsapp:{phone}" and predicate(c["form"])]
        return forms[-1] if len(forms) >= count else None
    return wait_for(found, what=f"a Twilio message to {phone}")


def test_text_reaches_bot_and_reply_goes_through_messages_api(harness, api):
    phone = new_phone()
    form = p.tw_message("hello from twilio", phone=phone)
    reply = send(harness, form)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/xml")
    assert reply.body.endswith("<Response></Response>")

    turn = harness.wait_event(sender_id=phone)
    assert turn["input_channel"] == "twilio_whatsapp"
    assert turn["text"] == "hello from twilio"
    assert turn["message_id"] == form["MessageSid"]
    assert turn["metadata"]["channel_identity"] == {"type": "phone", "value": phone}

    out = sent_to(api, phone)
    assert out["From"] == f"whatsapp:{p.TWILIO_NUMBER}"
    assert out["Body"] == "echo: hello from twilio"
    assert out["StatusCallback"] == PUBLIC_TWILIO_URL
    call = api.calls("twilio")[-1]
    assert call["path"] == f"/2010-04-01/Accounts/{p.TWILIO_SID}/Messages.json"
    expected = base64.b64encode(f"{p.TWILIO_SID}:{TOKEN}".encode()).decode()
    assert call["authorization"] == f"Basic {expected}"


def test_signature_must_cover_the_public_url_params_and_token(harness):
    phone = new_phone()
    url = harness.webhook("twilio_whatsapp")
    form = p.tw_message("genuine", phone=phone)
    tampered = dict(form, Body="changed after signing")
    genuine_signature = RequestValidator(TOKEN).compute_signature(PUBLIC_TWILIO_URL, form)
    refused = [
        post_twilio(url, form, None),                                    # missing
        post_twilio(url, form, "wrong-token", signed_url=PUBLIC_TWILIO_URL),
        post_twilio(url, form, TOKEN),                   # signed for the local URL
        request("POST", url, urllib.parse.urlencode(tampered).encode(), {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": genuine_signature}),
    ]
    assert [r.status for r in refused] == [403, 403, 403, 403]
    assert send(harness, form).status == 200
    harness.wait_event(sender_id=phone, text="genuine")
    assert len(harness.events(sender_id=phone)) == 1


def test_buttons_become_a_numbered_list_and_number_or_title_selects(harness, api):
    phone = new_phone()
    send(harness, p.tw_message("buttons 3", phone=phone))
    out = sent_to(api, phone, lambda f: "Option 3" in f["Body"])
    assert out["Body"] == ("Pick one\n\n1. Option 1\n2. Option 2\n3. Option 3"
                           "\n\nReply with a number.")

    send(harness, p.tw_message("2", phone=phone))
    turn = harness.wait_event(sender_id=phone, text='/choose{"n":2}')
    assert turn["metadata"]["twilio_whatsapp"]["choice"] == "2"

    send(harness, p.tw_message("buttons 3", phone=phone))
    sent_to(api, phone, lambda f: "Option 3" in f["Body"], count=2)
    send(harness, p.tw_message("option 1", phone=phone))
    harness.wait_event(sender_id=phone, text='/choose{"n":1}')


def test_status_callbacks_are_recorded_not_processed(harness, local_env):
    phone = new_phone()
    sid = p.unique("SM")
    assert send(harness, p.tw_status(sid, "sent", phone=phone)).status == 200
    send(harness, p.tw_status(sid, "delivered", phone=phone))
    send(harness, p.tw_status(sid, "failed", phone=phone, ErrorCode="63016",
                              ErrorMessage="outside the allowed window"))
    rows = asyncio.run(ChannelState("twilio_whatsapp").statuses_of(sid))
    assert [r["status"] for r in rows] == ["sent", "delivered", "failed"]
    assert rows[2]["error"].startswith("63016") and rows[0]["recipient_id"] == phone
    assert not harness.events(sender_id=phone)


def test_media_message_passes_urls_and_location_becomes_intent(harness):
    phone = new_phone()
    send(harness, p.tw_message("", phone=phone, NumMedia="1", MessageType="image",
                               MediaUrl0="https://api.twilio.com/2010-04-01/Media/ME1",
                               MediaContentType0="image/jpeg"))
    turn = harness.wait_event(sender_id=phone)
    assert turn["text"] == '/share_media{"media_type":"image"}'
    assert turn["metadata"]["twilio_whatsapp"]["media"][0]["mime_type"] == "image/jpeg"

    send(harness, p.tw_message("", phone=phone, MessageType="location",
                               Latitude="37.7936", Longitude="-122.3958",
                               Address="1 Ferry Building"))
    turn = harness.wait_event(sender_id=phone, text=(
        '/share_location{"latitude":37.7936,"longitude":-122.3958}'))
    assert turn["metadata"]["twilio_whatsapp"]["location"]["address"] == "1 Ferry Building"


def test_same_message_sid_twice_is_processed_once(harness):
    phone = new_phone()
    form = p.tw_message("only once", phone=phone)
    assert send(harness, form).status == 200
    assert send(harness, form).status == 200
    harness.wait_event("done", sender_id=phone)
    send(harness, p.tw_message("next", phone=phone))
    harness.wait_event(sender_id=phone, text="next")
    assert [e["text"] for e in harness.events(sender_id=phone)] == ["only once", "next"]


def test_without_webhook_url_override_the_request_url_is_signed(fake_api, tmp_path):
    """No proxy in front: Twilio signs the URL the request was sent to."""
    env = channel_env(fake_api.url, tmp_path, TWILIO_WEBHOOK_URL="")
    direct = start_harness(env, tmp_path)
    try:
        url = direct.webhook("twilio_whatsapp")
        phone = new_phone()
        assert post_twilio(url, p.tw_message("x", phone=phone), TOKEN,
                           signed_url=PUBLIC_TWILIO_URL).status == 403
        assert post_twilio(url, p.tw_message("direct", phone=phone), TOKEN).status == 200
        direct.wait_event(sender_id=phone, text="direct")
    finally:
        direct.server.stop()
