"""A customer message sent just before the agent hands back must reach someone.

The inbox copies a paused conversation's messages from Rasa's event broker
every INBOX_POLL_SECONDS; here that is 600 s, so a message sent just before
the agent closes is one the inbox has not copied yet, every time. A real Rasa
(HARBOR_MODEL, or the project's model) runs the bot; the customer is a
recorder on the callback channel's URL.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.support.inbox import recorded, start_recorder
from tests.support.procs import wait_for
from tests.support.callback import customer_says
from tests.support.crm import start_demo_crm
from tests.support.inbox import (SERVICE_TOKEN, call, hand_off, login, standing_desk_package,
                                 start_inbox)
from tests.support.procs import free_port
from tests.support.stack import action_server, rasa_server

SLOW_POLL = "600"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, trained_model):
    """Demo CRM, action server, Rasa and an inbox that reads the broker only at start."""
    tmp = tmp_path_factory.mktemp("handback")
    started = []
    try:
        customer = start_recorder(tmp, "customer")
        started.append(customer)
        rasa_port = free_port()
        inbox = start_inbox(tmp, rasa_url=f"http://127.0.0.1:{rasa_port}",
                            event_db_url=f"sqlite:///{tmp / 'events.db'}",
                            env={"INBOX_POLL_SECONDS": SLOW_POLL,
                                 "CALLBACK_URL": customer.url + "/bot"})
        started.append(inbox)
        crm = start_demo_crm(tmp)
        started.append(crm)
        actions = action_server(tmp, crm, env={"INBOX_URL": inbox.url, "SUPPORT_HOURS": "always",
                                               "INBOX_SERVICE_TOKEN": SERVICE_TOKEN})
        started.append(actions.start(timeout=90))
        rasa = rasa_server(tmp, trained_model, actions, port=rasa_port, env={
            "CALLBACK_URL": customer.url + "/bot", "EVENT_BROKER_DB": str(tmp / "events.db"),
            "CHANNEL_STATE_DB_URL": inbox.env["CHANNEL_STATE_DB_URL"]})
        started.append(rasa.start(timeout=240))
        yield rasa, inbox, customer
    finally:
        for srv in reversed(started):
            srv.stop()


def replies(customer, sender: str) -> list:
    return [r["body"]["text"] for r in recorded(customer)
            if (r["body"] or {}).get("recipient_id") == sender and r["body"].get("text")]


def handed_off(rasa, inbox, customer, sender: str):
    """The customer asks for a person; returns (handoff id, agent token) once claimed."""
    customer_says(rasa, sender, "I want to talk to a human")
    agent = login(inbox)

    def handoff_id():
        _, body = call("GET", inbox.url + "/api/handoffs", token=agent)
        return next((h["id"] for h in body["handoffs"] if h["sender_id"].endswith(sender)), None)
    found = wait_for(handoff_id, timeout=60)
    assert found, f"no handoff for {sender}; bot said {replies(customer, sender)}"
    assert call("POST", f"{inbox.url}/api/handoffs/{found}/claim", {}, token=agent)[0] == 200
    return found, agent


@pytest.mark.parametrize("finish,body", [("close", {"resolution": "resolved"}), ("release", {})])
def test_a_message_sent_just_before_the_handback_is_answered_by_the_bot(stack, finish, body):
    rasa, inbox, customer = stack
    sender = f"late-{finish}-{uuid.uuid4().hex[:6]}"
    handoff_id, agent = handed_off(rasa, inbox, customer, sender)
    customer_says(rasa, sender, "thanks!")  # paused: the bot stays quiet, the inbox has not copied it
    before = len(replies(customer, sender))

    status, row = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/{finish}", body, token=agent)
    assert status == 200
    assert answered_thanks(customer, sender, before), \
        f"the bot never answered 'thanks!'; it said {replies(customer, sender)[before:]}"
    assert row["missed_messages"] == 1
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=agent)
    customer_lines = [m["text"] for m in detail["messages"] if m["direction"] == "customer"]
    assert "thanks!" in customer_lines  # the transcript shows what the bot answered


def answered_thanks(customer, sender: str, before: int, timeout: float = 30):
    return wait_for(lambda: [t for t in replies(customer, sender)[before:]
                             if "welcome" in t.lower()], timeout=timeout)


@pytest.mark.parametrize("on_screen", [True, False])
def test_only_messages_the_agent_had_not_seen_are_left_to_the_bot(stack, on_screen):
    """The page sends the last message id it showed: a message the agent saw is the
    agent's call; one copied but not yet on screen is still answered."""
    rasa, inbox, customer = stack
    sender = f"seen-{on_screen}-{uuid.uuid4().hex[:6]}"
    handoff_id, agent = handed_off(rasa, inbox, customer, sender)
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=agent)
    shown = detail["messages"][-1]["id"]
    customer_says(rasa, sender, "thanks!")
    inbox.stop()
    inbox.start()  # the reader copies the broker's rows once at start
    agent = login(inbox)

    def copied():
        _, now = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=agent)
        return [m["id"] for m in now["messages"] if m["text"] == "thanks!"]
    seen = wait_for(copied, timeout=10)
    assert seen, "the restarted inbox did not copy the paused message"
    before = len(replies(customer, sender))
    status, row = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/close",
                       {"resolution": "resolved", "seen_message_id": seen[0] if on_screen else shown},
                       token=agent)
    assert status == 200 and row["missed_messages"] == (0 if on_screen else 1)
    if not on_screen:
        assert answered_thanks(customer, sender, before)


def test_a_missed_message_the_bot_cannot_answer_is_flagged_for_the_agent(tmp_path):
    """Rasa resumes but refuses the trigger: the message and a note stay with the agent."""
    now = time.time()
    tracker = tmp_path / "tracker.json"
    tracker.write_text(json.dumps({"events": [
        {"event": "action", "name": "action_handoff", "timestamp": now - 9},
        {"event": "pause", "timestamp": now - 9},
        {"event": "user", "text": "are you still there?", "timestamp": now - 1,
         "parse_data": {"intent": {"name": "greet"}, "entities": []}},
        {"event": "resume", "timestamp": now}]}))
    rasa = start_recorder(tmp_path, "rasa", env={"RECORDER_TRACKER": str(tracker),
                                                 "RECORDER_FAIL": "/trigger_intent"})
    inbox = start_inbox(tmp_path, rasa_url=rasa.url, env={"INBOX_POLL_SECONDS": SLOW_POLL})
    try:
        _, created = hand_off(inbox, standing_desk_package("+14155550601"))
        agent = login(inbox)
        url = f"{inbox.url}/api/handoffs/{created['id']}"
        assert call("POST", url + "/claim", {}, token=agent)[0] == 200
        status, row = call("POST", url + "/close", {"resolution": "resolved"}, token=agent)
        assert status == 200
        texts = [m["text"] for m in call("GET", url, token=agent)[1]["messages"]]
        assert "are you still there?" in texts
        assert any("reply to the customer" in text for text in texts)
        assert "could not answer 1 missed message" in inbox.tail(100)
        assert row["missed_messages"] == 1
    finally:
        inbox.stop()
        rasa.stop()
