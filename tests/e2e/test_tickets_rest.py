"""Honest tickets end to end: a REST customer (a chat that cannot receive a
later reply) who asks for a person in open hours hears why it becomes a
ticket, is asked where to be answered, and the inbox's ticket shows it."""
from __future__ import annotations

from tests.support.channels import wait_for
from tests.support.dispatch import text_of
from tests.support.inbox import call, login
from tests.support.stack import new_sender, say


def _ticket(inbox, token: str, sender: str):
    _, body = call("GET", f"{inbox.url}/api/handoffs?status=ticket", token=token)
    return next((h for h in body["handoffs"] if h["sender_id"] == f"rest:{sender}"), None)


def test_a_rest_customer_in_open_hours_is_told_the_truth_and_asked_where_to_be_answered(rasa, inbox):
    sender = new_sender("e2e-ticket")
    told = text_of(say(rasa, sender, "I want to talk to a human"))
    assert "offline" not in told  # the action server runs with SUPPORT_HOURS=always
    assert "can't reply in this chat" in told and "which email address" in told
    agent = login(inbox)
    ticket = wait_for(lambda: _ticket(inbox, agent, sender), timeout=30, what="the ticket")
    assert ticket["answer_to"]["via"] == "email" and ticket["answer_to"]["email"] is None

    assert say(rasa, sender, "sure, it's jo.bloggs@example.org") == []  # paused: a person answers
    answered = wait_for(lambda: (_ticket(inbox, agent, sender) or {}).get("answer_to", {}).get("email"),
                        timeout=30, what="the address in the ticket")
    assert answered == "jo.bloggs@example.org"
