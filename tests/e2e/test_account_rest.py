"""Account requests, policy answers and the fallback end to end:
REST channel -> Rasa -> action server -> demo CRM.

Customers used here (others use other customers): C001 Maya (password
reset, read only), C003 Sofia (newsletter, deletion).
"""
from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, List

from tests.support.channels import post_meta, wait_for
from tests.support.payloads import wa_text
from tests.support.channels import CHANNEL_SECRETS
from tests.support.crm import clients as api, latest_code
from tests.support.dispatch import payloads, text_of
from tests.support.stack import new_sender, say


def outbox(demo_crm, email: str) -> List[Dict[str, Any]]:
    return api(demo_crm)["admin"].get("/outbox", params={"to": email}).body["messages"]


def test_a_forgotten_password_gets_a_reset_link_to_the_email_on_file(rasa, demo_crm):
    sender = new_sender("e2e-acct")
    before = len([m for m in outbox(demo_crm, "maya.patel@example.com") if m["kind"] == "password_reset"])
    asked = text_of(say(rasa, sender, "I forgot my password"))
    assert "email" in asked.lower()
    answer = text_of(say(rasa, sender, "maya.patel@example.com"))
    assert "reset link" in answer and "1 hour" in answer and "never ask for your password" in answer
    after = [m for m in outbox(demo_crm, "maya.patel@example.com") if m["kind"] == "password_reset"]
    assert len(after) == before + 1


def test_a_whatsapp_customer_is_not_asked_for_an_email(rasa, fake_meta):
    # The number is proven by Meta's signature on the webhook, not by anything a caller claims.
    reply = post_meta(f"{rasa.url}/webhooks/whatsapp/webhook",
                      wa_text("I forgot my password", wa_id="14155550101"),
                      CHANNEL_SECRETS["WHATSAPP_APP_SECRET"])
    assert reply.status == 200
    wait_for(lambda: [c for c in json.load(urllib.request.urlopen(f"{fake_meta.url}/_fake/requests"))
                      if c["api"] == "whatsapp" and "reset link" in json.dumps(c.get("json"))
                      and "m***@example.com" in json.dumps(c.get("json"))],
             timeout=60, what="the reset link answer on WhatsApp")


def test_an_unknown_email_three_times_ends_with_the_offer_of_a_person(rasa):
    sender = new_sender("e2e-acct")
    say(rasa, sender, "I forgot my password")
    for attempt in range(2):
        reply = text_of(say(rasa, sender, f"stranger{attempt}@example.com"))
        assert "couldn't find an account" in reply
    replies = say(rasa, sender, "stranger9@example.com")
    assert "couldn't confirm" in text_of(replies) and "reset link" not in text_of(replies)
    assert "/contact_human_agent" in payloads(replies)


def test_a_policy_question_while_asked_for_the_email_is_answered_and_the_question_repeated(rasa):
    sender = new_sender("e2e-acct")
    say(rasa, sender, "I forgot my password")
    replies = text_of(say(rasa, sender, "what is your return policy?"))
    assert "30 days" in replies and "$6.95" in replies
    assert "email" in replies.lower()  # the form asks again
    assert "reset link" in text_of(say(rasa, sender, "maya.patel@example.com"))


def test_deleting_an_account_needs_the_emailed_code_and_a_yes(rasa, demo_crm):
    sender = new_sender("e2e-acct")
    assert "email" in text_of(say(rasa, sender, "please delete my account")).lower()
    asked = text_of(say(rasa, sender, "sofia.rossi@example.com"))
    assert "6-digit code" in asked and "s***@example.com" in asked
    replies = say(rasa, sender, latest_code(demo_crm, "sofia.rossi@example.com"))
    assert "30 days" in text_of(replies) and "7 years" in text_of(replies)
    assert {"/affirm", "/deny"} <= set(payloads(replies))
    done = text_of(say(rasa, sender, "/affirm"))
    assert "DEL-" in done and "7 years" in done
    assert any(m["kind"] == "deletion_confirmation" for m in outbox(demo_crm, "sofia.rossi@example.com"))


def test_the_newsletter_choice_is_asked_with_buttons_when_unclear(rasa, demo_crm):
    sender = new_sender("e2e-acct")
    say(rasa, sender, "/newsletter_subscription")  # the button of a menu
    say(rasa, sender, "sofia.rossi@example.com")
    replies = say(rasa, sender, latest_code(demo_crm, "sofia.rossi@example.com"))
    assert {"subscribe", "unsubscribe"} <= set(payloads(replies))
    assert "unsubscribed" in text_of(say(rasa, sender, "unsubscribe"))
    assert api(demo_crm)["crm"].get("/customers/C003").body["newsletter"] is False


def test_a_policy_question_outside_a_form_is_answered_with_the_policy(rasa):
    answer = text_of(say(rasa, new_sender("e2e-acct"), "when are your support agents available?"))
    assert "Monday to Friday 8:00-20:00" in answer and "Saturday 9:00-17:00" in answer


def test_still_not_understood_after_the_fallback_a_person_is_offered(rasa):
    sender = new_sender("e2e-acct")
    first = text_of(say(rasa, sender, "/nlu_fallback"))
    assert "other words" in first or "Did you mean" in first
    replies = say(rasa, sender, "/nlu_fallback")
    assert "connect you with a person" in text_of(replies)
    assert "/contact_human_agent" in payloads(replies)
