"""Nobody can act as a customer they are not (docs/security.md).

Each test is an attack that worked before the identity rework, tried against
the real stack (Rasa's REST and callback channels, the action server, the demo
CRM), named after what must not happen; plus the honest paths that must still
work (order number + email, the emailed code, a WhatsApp number).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List

import pytest

from tests.support.channels import post_meta, wait_for
from tests.support.payloads import wa_text
from tests.support.channels import CHANNEL_SECRETS
from tests.support.crm import clients as api, latest_code
from tests.support.dispatch import text_of
from tests.support.stack import post_json, say

MAYA_TRACKING = "1Z999AA10123456784"  # order 10231
MAYA_10232 = "1Z999AA10123459911"
MAYA_PHONE = "+14155550101"


def sender() -> str:
    return f"sec-{uuid.uuid4().hex[:10]}"


def rest(rasa, body: Dict[str, Any]) -> List[Dict[str, Any]]:
    return post_json(f"{rasa.url}/webhooks/rest/webhook", body)


# -- 1. identity from the request body ---------------------------------------------------

def test_identity_in_a_rest_requests_metadata_verifies_nobody(rasa):
    replies = rest(rasa, {"sender": sender(), "message": "where is my order 10231?",
                          "input_channel": "whatsapp",
                          "metadata": {"channel_identity": {"type": "phone", "value": MAYA_PHONE}}})
    assert MAYA_TRACKING not in text_of(replies)
    assert "email" in text_of(replies).lower()


def test_a_rest_request_without_a_sender_is_refused_not_sent_to_a_shared_conversation(rasa):
    for body in ({"message": "where is my order 10231?"}, {"sender": "", "message": "hi"},
                 {"sender": ["x"], "message": "hi"}, {"sender": "x"}):
        request = urllib.request.Request(f"{rasa.url}/webhooks/rest/webhook", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 400


# -- 2. conversation ids shared across channels -------------------------------------------

def test_a_rest_caller_cannot_continue_a_whatsapp_customers_verified_conversation(rasa, fake_meta):
    reply = post_meta(f"{rasa.url}/webhooks/whatsapp/webhook",
                      wa_text("where is my order 10231?", wa_id=MAYA_PHONE.lstrip("+")),
                      CHANNEL_SECRETS["WHATSAPP_APP_SECRET"])
    assert reply.status == 200
    wait_for(lambda: _whatsapp_sent(fake_meta, MAYA_PHONE.lstrip("+"), MAYA_TRACKING),
             timeout=60, what="Maya's tracking answer on WhatsApp")
    # The same conversation id, on the REST channel: a different, unverified conversation.
    replies = rest(rasa, {"sender": MAYA_PHONE, "message": "where is my order 10232?"})
    assert MAYA_10232 not in text_of(replies) and "email" in text_of(replies).lower()


def test_a_callback_caller_cannot_continue_a_whatsapp_customers_conversation(rasa, fake_meta):
    request = urllib.request.Request(
        f"{rasa.url}/webhooks/callback/webhook",
        data=json.dumps({"sender": MAYA_PHONE, "message": "where is my order 10232?"}).encode(),
        headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=60).status == 200
    answers = wait_for(lambda: _callback_texts(fake_meta, MAYA_PHONE), timeout=60, what="a callback reply")
    assert not any(MAYA_10232 in text for text in answers)
    assert any("email" in text.lower() for text in answers)


def _whatsapp_sent(fake_meta, wa_id: str, needle: str) -> bool:
    calls = json.load(urllib.request.urlopen(f"{fake_meta.url}/_fake/requests"))
    return any(call["api"] == "whatsapp" and wa_id in json.dumps(call.get("json") or {})
               and needle in json.dumps(call.get("json") or {}) for call in calls)


def _callback_texts(fake_meta, recipient: str) -> List[str]:
    calls = json.load(urllib.request.urlopen(f"{fake_meta.url}/_fake/requests"))
    return [(c.get("json") or {}).get("text", "") for c in calls
            if c["api"] == "callback" and (c.get("json") or {}).get("recipient_id") == recipient]


# -- 3. an email is not enough to change an account ----------------------------------------

def test_an_email_alone_does_not_change_the_phone_number(rasa, demo_crm):
    crm = api(demo_crm)["crm"]
    before = crm.get("/customers/C005").body["phone"]
    talk = sender()
    say(rasa, talk, "I need to change the phone number on my account")
    asked = text_of(say(rasa, talk, "ava.johnson@example.com"))
    assert "code" in asked and "a***@example.com" in asked
    after_number = text_of(say(rasa, talk, "+15550001111"))
    assert "is now" not in after_number and "Done" not in after_number
    assert crm.get("/customers/C005").body["phone"] == before


def test_the_emailed_code_changes_the_phone_number(rasa, demo_crm):
    crm = api(demo_crm)["crm"]
    talk = sender()
    say(rasa, talk, "I need to change the phone number on my account")
    say(rasa, talk, "liam.chen@example.com")
    wrong = text_of(say(rasa, talk, "000000" if latest_code(demo_crm, "liam.chen@example.com") != "000000"
                      else "111111"))
    assert "isn't right" in wrong
    proven = text_of(say(rasa, talk, f"the code is {latest_code(demo_crm, 'liam.chen@example.com')}"))
    assert "phone" in proven.lower()
    done = text_of(say(rasa, talk, "+1 604 555 0199"))
    assert "+16045550199" in done
    assert crm.get("/customers/C004").body["phone"] == "+16045550199"


def test_a_password_reset_by_email_does_not_unlock_the_customers_orders(rasa):
    talk = sender()
    say(rasa, talk, "I forgot my password")
    assert "reset link" in text_of(say(rasa, talk, "maya.patel@example.com"))
    replies = text_of(say(rasa, talk, "where is my order 10232?"))
    assert MAYA_10232 not in replies and "email" in replies.lower()


def test_the_email_on_one_order_does_not_prove_the_account(rasa):
    talk = sender()
    say(rasa, talk, "where is my order 10231?")
    assert MAYA_TRACKING in text_of(say(rasa, talk, "maya.patel@example.com"))
    listed = say(rasa, talk, "show me all my invoices")
    assert "INV-10233" not in json.dumps(listed)  # the account's other orders stay closed
    asked = text_of(say(rasa, talk, "please unsubscribe me from the newsletter"))
    assert "unsubscribed" not in asked and ("code" in asked or "email" in asked.lower())


# -- 4. the lockout survives /restart and a new conversation id ----------------------------

def test_three_wrong_emails_lock_the_order_even_after_restart_or_with_a_new_sender_id(rasa, demo_crm):
    tracking = api(demo_crm)["crm"].get("/orders/10233").body.get("tracking_number") or "Delivered"
    talk = sender()
    say(rasa, talk, "where is my order 10233?")
    for attempt in range(3):
        last = text_of(say(rasa, talk, f"guess{attempt}@example.com"))
    assert "couldn't verify" in last
    for conversation in (talk, sender()):
        if conversation == talk:
            say(rasa, conversation, "/restart")
        say(rasa, conversation, "where is my order 10233?")
        replies = text_of(say(rasa, conversation, "maya.patel@example.com"))  # the right email, too late
        assert "couldn't verify" in replies and tracking not in replies
