"""Human handoff end to end on Rasa's callback channel: the customer asks for a
person in the middle of a return, lands in the inbox with transcript and
summary, gets the agent's reply on their channel, and the bot after release."""
from __future__ import annotations

import uuid

from tests.support.channels import wait_for
from tests.support.callback import callback_texts, customer_says, handoff_of, wait_for_reply
from tests.support.inbox import call, login


def test_asking_for_a_person_mid_return_reaches_the_inbox_and_the_agent_reply_reaches_the_customer(
        rasa, inbox, fake_meta):
    sender = f"ava-{uuid.uuid4().hex[:6]}"
    customer_says(rasa, sender, "I want to return the standing desk from order 10239")
    wait_for_reply(fake_meta, sender, 0, "email")
    seen = len(callback_texts(fake_meta, sender))
    customer_says(rasa, sender, "ava.johnson@example.com")
    wait_for(lambda: len(callback_texts(fake_meta, sender)) > seen, timeout=60, what="the next question")
    seen = len(callback_texts(fake_meta, sender))
    customer_says(rasa, sender, "I want to talk to a human")
    told = wait_for_reply(fake_meta, sender, seen, "won't need to repeat")
    assert "returns team" in told

    agent = login(inbox)
    handoff = wait_for(lambda: handoff_of(inbox, agent, sender), timeout=30, what="the handoff in the queue")
    assert handoff["queue"] == "returns" and "10239" in handoff["summary"]
    assert "Ava Johnson" in handoff["summary"]
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff['id']}", token=agent)
    customer_lines = [m["text"] for m in detail["messages"] if m["direction"] == "customer"]
    assert "I want to talk to a human" in customer_lines
    assert detail["context"]["order"]["items"][0]["name"] == "Standing Desk"

    # While paused, the customer's messages reach the inbox and the bot stays quiet.
    seen = len(callback_texts(fake_meta, sender))
    customer_says(rasa, sender, "hello? is someone there")
    wait_for(lambda: "hello? is someone there" in [
        m["text"] for m in call("GET", f"{inbox.url}/api/handoffs/{handoff['id']}", token=agent)[1]["messages"]],
        timeout=30, what="the paused message in the inbox")
    assert len(callback_texts(fake_meta, sender)) == seen

    status, _ = call("POST", f"{inbox.url}/api/handoffs/{handoff['id']}/claim", {}, token=agent)
    assert status == 200
    status, _ = call("POST", f"{inbox.url}/api/handoffs/{handoff['id']}/messages",
                     {"text": "Hi Ava, I'm Sam from returns. I'll approve your refund now."}, token=agent)
    assert status in (200, 201)
    wait_for_reply(fake_meta, sender, seen, "I'm Sam from returns")

    seen = len(callback_texts(fake_meta, sender))
    status, _ = call("POST", f"{inbox.url}/api/handoffs/{handoff['id']}/release", {}, token=agent)
    assert status == 200
    wait_for_reply(fake_meta, sender, seen, "Hi again")

    seen = len(callback_texts(fake_meta, sender))
    customer_says(rasa, sender, "thanks!")
    wait_for_reply(fake_meta, sender, seen, "welcome")


def test_two_frustrated_messages_in_a_row_hand_the_conversation_to_a_person(rasa, inbox, fake_meta):
    sender = f"angry-{uuid.uuid4().hex[:6]}"
    customer_says(rasa, sender, "THIS IS THE THIRD TIME I AM ASKING WHERE MY ORDER IS!!!")
    wait_for(lambda: callback_texts(fake_meta, sender), timeout=60, what="a first reply")
    seen = len(callback_texts(fake_meta, sender))
    customer_says(rasa, sender, "this is ridiculous, still waiting and nobody helps me!!!")
    wait_for_reply(fake_meta, sender, seen, "won't need to repeat")
    agent = login(inbox)
    handoff = wait_for(lambda: handoff_of(inbox, agent, sender), timeout=30, what="the handoff")
    assert handoff["priority"] == "high" and "frustrated" in handoff["reason"].lower()


def test_a_chargeback_threat_goes_straight_to_a_person(rasa, inbox, fake_meta):
    sender = f"dispute-{uuid.uuid4().hex[:6]}"
    customer_says(rasa, sender, "I'm going to file a chargeback with my bank for order 10238")
    wait_for_reply(fake_meta, sender, 0, "won't need to repeat")
    agent = login(inbox)
    handoff = wait_for(lambda: handoff_of(inbox, agent, sender), timeout=30, what="the handoff")
    assert handoff["priority"] == "high" and "chargeback" in handoff["reason"].lower()
