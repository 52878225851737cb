"""Order tracking end to end: REST channel -> Rasa -> action server -> demo CRM."""
from __future__ import annotations

from tests.support.dispatch import text_of
from tests.support.stack import new_sender, say

TRACKING_NUMBER = "1Z999AA10123456784"


def test_tracking_with_the_right_email_gives_tracking_number_and_estimate(rasa):
    sender = new_sender("e2e")
    asked = text_of(say(rasa, sender, "where is my order 10231?"))
    assert "email" in asked.lower() and TRACKING_NUMBER not in asked
    answer = text_of(say(rasa, sender, "maya.patel@example.com"))
    assert TRACKING_NUMBER in answer and "UPS" in answer
    assert "Estimated delivery" in answer


def test_a_wrong_email_reveals_nothing_and_three_end_with_the_offer_of_a_person(rasa):
    sender = new_sender("e2e")
    say(rasa, sender, "where is my order 10231?")
    for attempt in range(2):
        reply = text_of(say(rasa, sender, f"wrong{attempt}@example.com"))
        assert "doesn't match" in reply
        assert TRACKING_NUMBER not in reply and "UPS" not in reply and "Backpack" not in reply
    replies = say(rasa, sender, "another@example.com")
    final = text_of(replies)
    assert "couldn't verify" in final and TRACKING_NUMBER not in final
    buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "/contact_human_agent" in buttons


def test_a_crm_stopped_mid_conversation_gets_a_polite_answer_and_the_offer_of_a_person(rasa, demo_crm):
    sender = new_sender("e2e")
    asked = text_of(say(rasa, sender, "where is my order 10231?"))
    assert "email" in asked.lower()
    demo_crm.stop()
    try:
        replies = say(rasa, sender, "maya.patel@example.com")
    finally:
        demo_crm.start()
    reply = text_of(replies)
    assert "can't reach" in reply and "Traceback" not in reply
    assert "/contact_human_agent" in [b["payload"] for r in replies for b in r.get("buttons", [])]
    # Once the service is back, the same conversation works again.
    answer = text_of(say(rasa, sender, "where is my order 10231?"))
    if "email" in answer.lower():
        answer = text_of(say(rasa, sender, "maya.patel@example.com"))
    assert TRACKING_NUMBER in answer
