"""Handing a conversation to a person: the context package, the support hours,
the triggers, and action_handoff against a live agent inbox."""
from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import escalation_for
from actions.handoff import ActionHandoff
from actions.handoff_context import build_package, fresh_reason
from actions.shared.messages import message_name
from actions.support_hours import agents_available
from tests.support.inbox import SERVICE_TOKEN, call, login, start_inbox
from tests.support.procs import free_port
from tests.support.trackers import says

ET = dt.timezone(dt.timedelta(hours=-5))
ORDER = {"id": "10239", "status": "delivered", "total": "749.00", "customer_id": "C005",
         "items": [{"sku": "DSK-STD", "name": "Standing Desk", "qty": 1, "price": "749.00"}]}
AVA = {"id": "C005", "name": "Ava Johnson", "email": "ava.johnson@example.com"}


def test_the_package_carries_transcript_understanding_slots_and_what_the_bot_tried():
    package = build_package(says(fixture="handoff_return_10239", as_recorded=True), None, AVA, ORDER, status="waiting")
    assert [line["role"] for line in package["transcript"]] == ["customer", "bot", "customer", "bot", "customer"]
    assert package["input_channel"] == "callback" and package["sender_id"] == "fixture-ava"
    turns = package["context"]["intents"]
    assert [(t["intent"], t["confidence"]) for t in turns] == [
        ("return_item", 0.93), ("inform", 0.99), ("contact_human_agent", 0.97)]
    assert {"entity": "order_id", "value": "10239"} in turns[0]["entities"]
    assert package["context"]["sentiment_trend"] == [0.0, 0.0, -0.6]
    assert package["context"]["slots"]["customer_id"] == "C005"
    assert package["context"]["actions_tried"] == ["return_form", "return_form", "action_switch_request"]
    assert package["context"]["backend_errors"][0]["system"] == "billing"
    assert package["context"]["main_request"] == "return_item"


def test_the_summary_is_written_from_facts_and_routes_to_the_right_team():
    package = build_package(says(fixture="handoff_return_10239", as_recorded=True), None, AVA, ORDER, status="waiting")
    assert package["queue"] == "returns"
    assert package["priority"] == "high"  # the last message was frustrated
    summary = package["summary"]
    for fact in ("Customer asked for a person", "order 10239", "Standing Desk", "$749.00",
                 "return item", "Ava Johnson (verified by email)", "billing no answer within 2s"):
        assert fact in summary


def test_a_flow_reason_leads_the_summary_and_a_high_value_refund_is_high_priority():
    reason = "Return RMA-1 of order 10239, Standing Desk, $749.00: refund of $742.05 over $500 needs approval"
    tracker = says(fixture="handoff_return_10239", as_recorded=True, slots={"handoff_reason": reason})
    tracker.events.append({"event": "slot", "name": "handoff_reason", "value": reason})
    package = build_package(tracker, fresh_reason(tracker), AVA, ORDER, status="waiting")
    assert package["summary"].startswith(reason) and package["priority"] == "high"


def test_a_reason_from_an_offer_the_customer_declined_is_not_reused_later():
    tracker = says(fixture="handoff_return_10239", as_recorded=True)
    tracker.events[4:4] = [{"event": "slot", "name": "handoff_reason", "value": "Return window expired"}]
    assert fresh_reason(tracker) is None  # two customer messages since the offer
    tracker.events.insert(len(tracker.events) - 2, {"event": "slot", "name": "handoff_reason", "value": "Final sale"})
    assert fresh_reason(tracker) == "Final sale"


@pytest.mark.parametrize("when, hours, open_", [
    (dt.datetime(2026, 11, 23, 10, 0, tzinfo=ET), "", True),          # Monday 10:00 ET
    (dt.datetime(2026, 11, 23, 20, 30, tzinfo=ET), "", False),        # Monday after 20:00
    (dt.datetime(2026, 11, 28, 16, 59, tzinfo=ET), "", True),         # Saturday before 17:00
    (dt.datetime(2026, 11, 29, 12, 0, tzinfo=ET), "", False),         # Sunday: closed
    (dt.datetime(2026, 11, 29, 12, 0, tzinfo=ET), "always", True),
    (dt.datetime(2026, 11, 29, 12, 0, tzinfo=ET), "sun 09:00-13:00", True),
])
def test_agents_are_available_in_the_stores_hours_eastern_time(monkeypatch, when, hours, open_):
    monkeypatch.setenv("SUPPORT_HOURS", hours)
    monkeypatch.delenv("SUPPORT_TIMEZONE", raising=False)
    assert agents_available(when.astimezone(dt.timezone.utc)) is open_


def _user(text, frustrated=False):
    return {"event": "user", "text": text,
            "parse_data": {"sentiment": {"frustrated": frustrated}, "intent": {"name": "track_order"}}}


@pytest.mark.parametrize("messages, expected", [
    ([_user("where is it", True), _user("HELLO???", True)], "frustrated"),
    ([_user("where is it", True), _user("ok thanks")], None),
    ([_user("fine"), _user("NOBODY ANSWERS", True)], None),
    ([_user("I will file a chargeback")], "sensitive"),
    ([_user("my lawyer will hear about this")], "sensitive"),
    ([_user("someone hacked my account")], "sensitive"),
])
def test_frustration_twice_in_a_row_and_sensitive_topics_escalate(messages, expected):
    tracker = says(fixture="new_conversation", as_recorded=True)
    tracker.events = messages
    assert escalation_for(tracker)[0] == expected


@pytest.fixture(scope="module")
def live_inbox(tmp_path_factory):
    srv = start_inbox(tmp_path_factory.mktemp("handoff-inbox"))
    yield srv
    srv.stop()


@pytest.fixture
def inbox_env(live_inbox, backend, monkeypatch):
    monkeypatch.setenv("INBOX_URL", live_inbox.url)
    monkeypatch.setenv("INBOX_SERVICE_TOKEN", SERVICE_TOKEN)
    monkeypatch.setenv("SUPPORT_HOURS", "always")
    monkeypatch.delenv("HANDOFF_TARGET", raising=False)
    return live_inbox


async def test_a_handoff_reaches_the_inbox_pauses_the_bot_and_tells_the_customer_what_next(inbox_env):
    dispatcher = CollectingDispatcher()
    tracker = says(fixture="handoff_return_10239", as_recorded=True)
    tracker.sender_id = "handoff-live-1"
    events = await ActionHandoff().run(dispatcher, tracker, {})
    assert events[-1]["event"] == "pause"
    assert message_name(dispatcher.messages[0]) == "utter_handoff_live"
    assert "returns team" in dispatcher.messages[0]["text"]
    assert "won't need to repeat" in dispatcher.messages[0]["text"]
    _, body = call("GET", f"{inbox_env.url}/api/handoffs?status=waiting", token=login(inbox_env))
    [handoff] = [h for h in body["handoffs"] if h["sender_id"] == "handoff-live-1"]
    assert "Standing Desk" in handoff["summary"] and handoff["customer_name"] == "Ava Johnson"


async def test_outside_support_hours_a_chat_that_can_push_gets_the_answer_in_the_chat(inbox_env, monkeypatch):
    monkeypatch.setenv("SUPPORT_HOURS", "sun 00:00-00:01")
    dispatcher = CollectingDispatcher()
    tracker = says(fixture="handoff_return_10239", as_recorded=True)  # on the callback channel
    tracker.sender_id = "handoff-ticket-1"
    events = await ActionHandoff().run(dispatcher, tracker, {})
    assert events[-1]["event"] == "pause"
    assert message_name(dispatcher.messages[0]) == "utter_handoff_ticket_here"
    assert "offline right now" in dispatcher.messages[0]["text"] and "answer you here" in dispatcher.messages[0]["text"]
    _, body = call("GET", f"{inbox_env.url}/api/handoffs?status=ticket", token=login(inbox_env))
    [ticket] = [h for h in body["handoffs"] if h["sender_id"] == "handoff-ticket-1"]
    assert ticket["answer_to"] == {"via": "channel", "channel": "callback",
                                   "email": "ava.johnson@example.com", "why": "outside_hours"}


def _on_rest(tracker):
    for event in tracker.events:
        if event.get("input_channel"):
            event["input_channel"] = "rest"
    return tracker


async def test_on_rest_in_open_hours_the_bot_says_the_chat_cannot_receive_a_reply_not_that_the_team_is_offline(
        inbox_env, monkeypatch):
    monkeypatch.setenv("SUPPORT_HOURS", "always")
    dispatcher = CollectingDispatcher()
    tracker = _on_rest(says(fixture="handoff_return_10239", as_recorded=True))
    tracker.sender_id = "handoff-rest-open"
    await ActionHandoff().run(dispatcher, tracker, {})
    told = dispatcher.messages[0]["text"]
    assert message_name(dispatcher.messages[0]) == "utter_handoff_ticket_no_push"
    assert "offline" not in told and "can't reply in this chat" in told and "ava.johnson@example.com" in told


async def test_a_ticket_for_a_customer_whose_email_the_bot_does_not_know_asks_for_one(inbox_env, monkeypatch):
    monkeypatch.setenv("SUPPORT_HOURS", "sun 00:00-00:01")
    dispatcher = CollectingDispatcher()
    tracker = _on_rest(says("i want a human", "contact_human_agent", fixture="new_conversation"))
    await ActionHandoff().run(dispatcher, tracker, {})
    told = dispatcher.messages[0]["text"]
    assert message_name(dispatcher.messages[0]) == "utter_handoff_ticket_closed_ask_email"
    assert "which email address" in told and "the email on your account" not in told
    _, body = call("GET", f"{inbox_env.url}/api/handoffs?status=ticket", token=login(inbox_env))
    [ticket] = [h for h in body["handoffs"] if h["sender_id"] == tracker.sender_id]
    assert ticket["answer_to"]["via"] == "email" and ticket["answer_to"]["email"] is None
    assert ticket["answer_to"]["email_asked"] is True


async def test_an_unreachable_inbox_keeps_the_bot_talking_and_says_so(backend, monkeypatch):
    monkeypatch.setenv("INBOX_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("SUPPORT_HOURS", "always")
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, says(fixture="handoff_return_10239", as_recorded=True), {})
    assert not any(e["event"] == "pause" for e in events)
    assert message_name(dispatcher.messages[0]) == "utter_handoff_unavailable"
