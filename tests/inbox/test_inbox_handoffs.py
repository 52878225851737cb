"""Working a handoff over HTTP: create, list, claim, reply, note, release, close.

Rasa's HTTP API and the customer's callback endpoint are recorders on
loopback ports; the lead's end-to-end tests run the same flow against Rasa.
"""
from __future__ import annotations

import threading
import time

from tests.support.inbox import recorded, start_recorder
from tests.support.procs import wait_for
from tests.support.inbox import (SUPERVISOR, call, hand_off, login, standing_desk_package,
                                 start_inbox)


def _claimed(inbox, sender_id, channel="callback"):
    _, created = hand_off(inbox, standing_desk_package(sender_id, channel))
    token = login(inbox)
    assert call("POST", f"{inbox.url}/api/handoffs/{created['id']}/claim", {}, token=token)[0] == 200
    return created["id"], token


def _second_agent(inbox, email):
    call("POST", inbox.url + "/api/agents", {"email": email, "name": "Robin", "password":
         "second-agent-pw"}, token=login(inbox, SUPERVISOR))
    return login(inbox, (email, "second-agent-pw"))


def test_handoff_shows_up_waiting_with_summary_context_and_transcript(inbox):
    status, created = hand_off(inbox, standing_desk_package("+14155550111"))
    assert status == 201 and created["created"] is True
    token = login(inbox)
    _, listing = call("GET", inbox.url + "/api/handoffs?status=waiting&queue=returns", token=token)
    row = next(h for h in listing["handoffs"] if h["id"] == created["id"])
    assert row["summary"].startswith("Return of order 10239") and row["priority"] == "high"
    assert row["customer_name"] == "Maya Lindqvist" and row["waiting_seconds"] >= 0
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{created['id']}", token=token)
    assert detail["context"]["order"]["id"] == "10239"
    assert [m["direction"] for m in detail["messages"]] == ["customer", "bot", "customer", "bot"]
    assert detail["window"]["can_push"] is True


def test_a_second_handoff_of_an_open_conversation_adds_to_it(inbox):
    package = standing_desk_package("+14155550112")
    _, first = hand_off(inbox, package)
    package["transcript"].append({"role": "customer", "text": "hello??", "timestamp": 1_780_000_100})
    package["priority"] = "normal"
    status, second = hand_off(inbox, package)
    assert status == 200 and second["id"] == first["id"] and second["created"] is False
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{first['id']}", token=login(inbox))
    assert [m["text"] for m in detail["messages"]][-2:] == [
        package["transcript"][3]["text"], "hello??"]
    assert len(detail["messages"]) == 5 and detail["priority"] == "high"


def test_bad_packages_are_refused_with_a_json_error(inbox):
    for body in ({}, {"sender_id": "x", "queue": "nope"},
                 {"sender_id": "x", "transcript": [{"role": "alien", "text": "hi"}]}):
        status, answer = hand_off(inbox, body)
        assert status == 400 and answer["error"]["code"] == "invalid_field", body


def test_another_agents_claim_is_refused_but_a_supervisor_may_reassign(inbox):
    handoff_id, _ = _claimed(inbox, "+14155550113")
    other = _second_agent(inbox, "robin@harbor.example")
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/claim", {}, token=other)
    assert status == 409 and body["error"]["code"] == "already_claimed"
    status, row = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/claim",
                       {"agent_email": "robin@harbor.example"}, token=login(inbox, SUPERVISOR))
    assert status == 200 and row["claimed_by"]["email"] == "robin@harbor.example"


def test_the_bot_learns_the_expected_wait_from_recent_claims(tmp_path):
    inbox = start_inbox(tmp_path)
    try:
        _, first = hand_off(inbox, {"sender_id": "w1", "queue": "account"})
        assert first["expected_wait_minutes"] is None  # no history: no made-up number
        call("POST", f"{inbox.url}/api/handoffs/{first['id']}/claim", {}, token=login(inbox))
        _, second = hand_off(inbox, {"sender_id": "w2", "queue": "account"})
        assert second["expected_wait_minutes"] == 1
        _, ticket = hand_off(inbox, {"sender_id": "w3", "queue": "account", "status": "ticket"})
        assert ticket["expected_wait_minutes"] is None
    finally:
        inbox.stop()


def test_reply_reaches_the_customer_and_rasas_tracker(inbox, fake_rasa, customer_callback):
    handoff_id, token = _claimed(inbox, "+14155550114")
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/messages",
                        {"text": "Approved: your refund of $749 is on its way."}, token=token)
    assert status == 201 and body["tracker_synced"] is True
    assert {"recipient_id": "+14155550114", "text": "Approved: your refund of $749 is on its way."
            }.items() <= recorded(customer_callback)[-1]["body"].items()
    to_rasa = recorded(fake_rasa)[-1]
    assert to_rasa["path"].startswith("/conversations/+14155550114/tracker/events?")
    assert "token=test-rasa-token" in to_rasa["path"]
    assert to_rasa["body"][0]["event"] == "bot"
    assert to_rasa["body"][0]["metadata"]["agent"] == "Alex Rivera"
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
    assert detail["messages"][-1]["direction"] == "agent"


def test_only_the_claiming_agent_may_reply(inbox):
    _, created = hand_off(inbox, standing_desk_package("+14155550115"))
    url = f"{inbox.url}/api/handoffs/{created['id']}/messages"
    status, body = call("POST", url, {"text": "hi"}, token=login(inbox))
    assert status == 409 and body["error"]["code"] == "not_claimed"
    call("POST", f"{inbox.url}/api/handoffs/{created['id']}/claim", {}, token=login(inbox))
    other = _second_agent(inbox, "kim@harbor.example")
    status, body = call("POST", url, {"text": "hi"}, token=other)
    assert status == 409 and body["error"]["code"] == "not_your_handoff"


def test_reply_on_a_channel_that_cannot_push_is_a_clear_409(inbox, customer_callback):
    handoff_id, token = _claimed(inbox, "rest-user-1", channel="rest")
    before = len(recorded(customer_callback))
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/messages",
                        {"text": "hello"}, token=token)
    assert status == 409 and body["error"]["code"] == "channel_cannot_push"
    assert "rest channel cannot push" in body["error"]["message"]
    assert len(recorded(customer_callback)) == before


def test_reply_after_the_whatsapp_window_closed_is_refused_and_not_sent(inbox):
    handoff_id, token = _claimed(inbox, "+14155550130", channel="whatsapp")
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
    assert detail["window"]["open"] is False and detail["window"]["can_reply"] is False
    assert "window is closed" in detail["window"]["message"]
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/messages",
                        {"text": "hello"}, token=token)
    assert status == 409 and body["error"]["code"] == "window_closed"
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
    assert "agent" not in [m["direction"] for m in detail["messages"]]


def test_empty_reply_or_unknown_handoff_are_4xx(inbox):
    token = login(inbox)
    status, body = call("POST", f"{inbox.url}/api/handoffs/999999/notes", {"text": "x"}, token=token)
    assert status == 404 and body["error"]["code"] == "handoff_not_found"
    handoff_id, token = _claimed(inbox, "+14155550116")
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/messages", {"text": " "},
                        token=token)
    assert status == 400 and body["error"]["code"] == "invalid_field"


def test_malformed_json_and_unknown_routes_get_json_errors(inbox):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{inbox.url}/api/handoffs/1/notes", data=b"{not json",
                                     method="POST", headers={"Authorization": f"Bearer {login(inbox)}",
                                                             "Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as err:
        assert err.code == 400 and b'"invalid_json"' in err.read()
    else:
        raise AssertionError("malformed JSON was accepted")
    status, body = call("GET", inbox.url + "/api/no-such-thing")
    assert status == 404 and body["error"]["code"] == "not_found"


def test_notes_stay_internal(inbox, customer_callback):
    handoff_id, token = _claimed(inbox, "+14155550117")
    before = len(recorded(customer_callback))
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/notes",
                        {"text": "Checked with billing: approve."}, token=token)
    assert status == 201 and body["message"]["direction"] == "note"
    assert body["message"]["author"] == "Alex Rivera"
    assert len(recorded(customer_callback)) == before


def test_release_resumes_the_bot_with_slots_and_triggers_the_handback(inbox, fake_rasa):
    handoff_id, token = _claimed(inbox, "+14155550118")
    status, row = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/release",
                       {"slots": {"order_id": "10239"}}, token=token)
    assert status == 200 and row["status"] == "released"
    events_call, trigger_call = recorded(fake_rasa)[-2:]
    assert events_call["path"].startswith("/conversations/+14155550118/tracker/events")
    assert events_call["body"] == [{"event": "resume"},
                                   {"event": "action", "name": "action_listen"},
                                   {"event": "slot", "name": "order_id", "value": "10239"}]
    assert trigger_call["path"].startswith("/conversations/+14155550118/trigger_intent?")
    assert "output_channel=latest" in trigger_call["path"]
    assert trigger_call["body"] == {"name": "EXTERNAL_handback"}
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/messages", {"text": "x"},
                        token=token)
    assert status == 409 and body["error"]["code"] == "handoff_not_open"


def test_release_with_bad_slots_is_a_400(inbox):
    handoff_id, token = _claimed(inbox, "+14155550119")
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/release",
                        {"slots": {"bad name!": 1}}, token=token)
    assert status == 400 and body["error"]["code"] == "invalid_field"


def test_close_needs_a_known_resolution_and_resumes_the_bot(inbox, fake_rasa):
    handoff_id, token = _claimed(inbox, "+14155550120")
    url = f"{inbox.url}/api/handoffs/{handoff_id}/close"
    status, body = call("POST", url, {"resolution": "whatever"}, token=token)
    assert status == 400 and "resolution" in body["error"]["message"]
    status, row = call("POST", url, {"resolution": "refund_approved"}, token=token)
    assert status == 200 and row["status"] == "closed" and row["resolution"] == "refund_approved"
    resumed, rate = recorded(fake_rasa)[-2:]
    assert resumed["body"] == [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
    assert rate["body"] == {"name": "EXTERNAL_csat"}  # a person resolved it: the customer rates them
    assert call("POST", url, {"resolution": "resolved"}, token=token)[0] == 409
    _, closed = call("GET", inbox.url + "/api/handoffs?status=closed", token=token)
    assert handoff_id in [h["id"] for h in closed["handoffs"]]


def test_new_messages_arrive_by_long_poll(inbox):
    handoff_id, token = _claimed(inbox, "+14155550121")
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
    last = detail["messages"][-1]["id"]
    result = {}

    def poll():
        result["at_start"] = time.monotonic()
        result["answer"] = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}/events"
                                f"?after={last}&wait=10", token=token)
        result["took"] = time.monotonic() - result["at_start"]

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.5)
    call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/notes", {"text": "ping"}, token=token)
    waiter.join(15)
    status, body = result["answer"]
    assert status == 200 and [m["text"] for m in body["messages"]] == ["ping"]
    assert 0.4 < result["took"] < 5


def test_release_when_rasa_fails_keeps_the_conversation_with_the_agent(tmp_path):
    failing = start_recorder(tmp_path, "failing-rasa", env={"RECORDER_FAIL": "/conversations/"})
    inbox = start_inbox(tmp_path, rasa_url=failing.url)
    try:
        handoff_id, token = _claimed(inbox, "+14155550122")
        status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/release", {},
                            token=token)
        assert status == 502 and body["error"]["code"] == "rasa_unavailable"
        _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
        assert detail["status"] == "assigned"
        assert wait_for(lambda: "rasa_unavailable" in inbox.tail(), timeout=3)
    finally:
        inbox.stop()
        failing.stop()
