"""Customer messages sent while a conversation is paused reach the inbox through
Rasa's SQL event broker, written here by Rasa's own SQLEventBroker class."""
from __future__ import annotations

import time

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from tests.support.procs import wait_for
from tests.support.inbox import call, handoff_with_history, login, publish, start_inbox, transcript

@pytest.fixture
def broker(tmp_path):
    return SQLEventBroker(db=str(tmp_path / "events.db"))


def test_paused_conversation_messages_appear_in_order_without_echoes(tmp_path, broker):
    inbox = start_inbox(tmp_path)
    try:
        now = time.time()
        handoff_id = handoff_with_history(inbox, now)
        publish(broker, UserUttered("hello, before the handoff", timestamp=now - 300))
        publish(broker, UserUttered("where is my order", timestamp=now - 20))  # in the package
        publish(broker, BotUttered("Connecting you to a colleague.", timestamp=now - 19))
        publish(broker, UserUttered("are you there?", timestamp=now - 5), sender="someone-else")
        publish(broker, UserUttered("are you there?", timestamp=now - 4))
        publish(broker, SlotSet("order_id", "10231", timestamp=now - 3))
        publish(broker, BotUttered("Hi, I'm Alex", metadata={"agent": "Alex"}, timestamp=now - 2))
        publish(broker, BotUttered("You're next in line.", timestamp=now - 1.5))
        publish(broker, UserUttered("it was due Monday", timestamp=now - 1))
        token = login(inbox)
        expected = [("customer", "where is my order"), ("bot", "Connecting you to a colleague."),
                    ("customer", "are you there?"), ("bot", "You're next in line."),
                    ("customer", "it was due Monday")]
        assert wait_for(lambda: transcript(inbox, token, handoff_id) == expected, 10), \
            transcript(inbox, token, handoff_id)
    finally:
        inbox.stop()


def test_messages_sent_while_the_inbox_is_down_arrive_once_after_restart(tmp_path, broker):
    inbox = start_inbox(tmp_path)
    now = time.time()
    try:
        handoff_id = handoff_with_history(inbox, now)
        publish(broker, UserUttered("first", timestamp=now))
        token = login(inbox)
        assert wait_for(lambda: ("customer", "first") in transcript(inbox, token, handoff_id))
    finally:
        inbox.stop()

    for i, text in enumerate(["second", "third", "fourth"]):
        publish(broker, UserUttered(text, timestamp=now + 1 + i))

    inbox = start_inbox(tmp_path, log_name="inbox-restarted.log")
    try:
        token = login(inbox)
        wanted = ["first", "second", "third", "fourth"]
        customer = lambda: [t for d, t in transcript(inbox, token, handoff_id)  # noqa: E731
                            if d == "customer"][1:]
        assert wait_for(lambda: customer() == wanted, 10), customer()
        time.sleep(0.6)  # three more polls: nothing read twice
        assert customer() == wanted
    finally:
        inbox.stop()


def test_inbox_started_before_rasa_reads_the_events_table_once_it_exists(tmp_path):
    inbox = start_inbox(tmp_path)
    try:
        _, health = call("GET", inbox.url + "/health")
        assert health["event_broker"] == "error" and "events" in health["event_broker_error"]
        handoff_id = handoff_with_history(inbox, time.time())
        broker = SQLEventBroker(db=str(tmp_path / "events.db"))  # Rasa starts now
        publish(broker, UserUttered("late but here"))
        token = login(inbox)
        assert wait_for(lambda: ("customer", "late but here") in transcript(inbox, token, handoff_id))
        assert call("GET", inbox.url + "/health")[1]["event_broker"] == "ok"
    finally:
        inbox.stop()
