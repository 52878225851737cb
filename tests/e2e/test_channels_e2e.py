"""Order tracking over the real channels, end to end: a signed webhook reaches
Rasa, the bot verifies Maya by the channel identity, and the answer goes out
through the (stand-in) Graph or Twilio API."""
from __future__ import annotations

import json
import time
import urllib.request
import uuid

from tests.support.channels import post_meta, post_twilio, wait_for
from tests.support.payloads import fb_text, tw_message, wa_text
from tests.support.channels import CHANNEL_SECRETS

TRACKING_NUMBER = "1Z999AA10123456784"


def sent(fake_meta, api: str, recipient: str) -> list:
    """Texts the bot sent to `recipient` through the stand-in API."""
    calls = json.load(urllib.request.urlopen(f"{fake_meta.url}/_fake/requests"))
    texts = []
    for call in calls:
        if call["api"] != api:
            continue
        body = call.get("json") or {}
        form = call.get("form") or {}
        to = body.get("to") or (body.get("recipient") or {}).get("id") or form.get("To", "")
        if recipient not in to:
            continue
        text = ((body.get("text") or {}).get("body") or (body.get("interactive") or {}).get("body", {}).get("text")
                or (body.get("message") or {}).get("text") or form.get("Body") or "")
        texts.append(text)
    return texts


def test_a_signed_whatsapp_message_from_mayas_number_gets_her_tracking_number_without_an_email_question(rasa, fake_meta):
    reply = post_meta(f"{rasa.url}/webhooks/whatsapp/webhook",
                      wa_text("where is my order 10231?", wa_id="14155550101"),
                      CHANNEL_SECRETS["WHATSAPP_APP_SECRET"])
    assert reply.status == 200 and reply.seconds < 1.0
    texts = wait_for(lambda: [t for t in sent(fake_meta, "whatsapp", "14155550101") if TRACKING_NUMBER in t],
                     timeout=60, what="the tracking answer on WhatsApp")
    assert "UPS" in texts[0]
    assert not any("email" in t.lower() for t in sent(fake_meta, "whatsapp", "14155550101"))


def test_a_forged_whatsapp_message_is_refused_and_gets_no_reply(rasa, fake_meta):
    wa_id = "1415555" + uuid.uuid4().hex[:4].translate(str.maketrans("abcdef", "123456"))
    reply = post_meta(f"{rasa.url}/webhooks/whatsapp/webhook",
                      wa_text("where is my order 10231?", wa_id=wa_id), "not-the-app-secret")
    assert reply.status == 403
    time.sleep(3)
    assert sent(fake_meta, "whatsapp", wa_id) == []


def test_messenger_verifies_maya_by_her_page_scoped_id(rasa, fake_meta):
    reply = post_meta(f"{rasa.url}/webhooks/messenger/webhook",
                      fb_text("hi where is order 10231", psid="6600000000000001"),
                      CHANNEL_SECRETS["MESSENGER_APP_SECRET"])
    assert reply.status == 200
    wait_for(lambda: [t for t in sent(fake_meta, "messenger", "6600000000000001") if TRACKING_NUMBER in t],
             timeout=60, what="the tracking answer on Messenger")


def test_twilio_whatsapp_verifies_maya_by_her_number(rasa, fake_meta):
    url = f"{rasa.url}/webhooks/twilio_whatsapp/webhook"
    reply = post_twilio(url, tw_message("where is my order 10232", phone="+14155550101"),
                        CHANNEL_SECRETS["TWILIO_AUTH_TOKEN"])
    assert reply.status == 200
    answers = wait_for(lambda: [t for t in sent(fake_meta, "twilio", "+14155550101") if "10232" in t],
                       timeout=60, what="Maya's delivered order on Twilio")
    assert "1Z999AA10123459911" in answers[-1]
    assert not any("email" in t.lower() for t in sent(fake_meta, "twilio", "+14155550101"))
