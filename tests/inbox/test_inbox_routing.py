"""Routing and first-response SLAs (services/inbox/routing.py), over HTTP
against a real inbox: assignment to the least-loaded online agent of the
team who speaks the customer's language, capacity under concurrent
handoffs, waiting when nobody is free, breaches, going away."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from tests.support.channels import wait_for
from tests.support.inbox import SUPERVISOR, call, hand_off, login, start_inbox, start_recorder


@pytest.fixture
def inbox(tmp_path):
    callback = start_recorder(tmp_path, "callback")  # a channel replies can go out on
    srv = start_inbox(tmp_path, env={"CALLBACK_URL": callback.url + "/bot", "INBOX_ROUTING_SECONDS": "0.2",
                                     "INBOX_SLA_NORMAL_SECONDS": "2", "INBOX_SLA_HIGH_SECONDS": "600"})
    yield srv
    srv.stop()
    callback.stop()


def agent(inbox, team: str, languages=("en",), online=True, capacity=None) -> dict:
    """A new agent (created by the supervisor), logged in, online unless told."""
    boss = login(inbox, SUPERVISOR)
    email = f"{team}-{uuid.uuid4().hex[:6]}@harbor.example"
    status, made = call("POST", f"{inbox.url}/api/agents", {"email": email, "name": email.split("@")[0],
                        "password": "routing-pass-1", "team": team, "languages": list(languages)}, token=boss)
    assert status == 201, made
    if capacity is not None:
        assert call("POST", f"{inbox.url}/api/agents/{made['id']}/capacity", {"capacity": capacity},
                    token=boss)[0] == 200
    token = login(inbox, (email, "routing-pass-1"))
    if online:
        assert call("POST", f"{inbox.url}/api/me/status", {"status": "online"}, token=token)[0] == 200
    return {**made, "token": token}


def customer(inbox, queue="returns", language="en", priority="normal", channel="callback") -> int:
    status, body = hand_off(inbox, {"sender_id": f"c-{uuid.uuid4().hex[:8]}", "input_channel": channel,
                                    "queue": queue, "priority": priority, "language": language,
                                    "reason": "customer asked for a person"})
    assert status == 201, body
    return body["id"]


def handoff(inbox, handoff_id: int) -> dict:
    return call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=login(inbox, SUPERVISOR))[1]


def holder(inbox, handoff_id: int):
    return (handoff(inbox, handoff_id).get("assigned_to") or {}).get("id")


def test_a_new_handoff_goes_to_the_least_loaded_online_agent_of_its_team_who_speaks_the_language(inbox):
    ana, ben = agent(inbox, "returns"), agent(inbox, "returns")
    agent(inbox, "billing")                       # another team: never gets returns
    agent(inbox, "returns", online=False)         # away: never assigned
    dora = agent(inbox, "returns", languages=("de", "en"))
    first, second = customer(inbox), customer(inbox)
    assert {holder(inbox, first), holder(inbox, second)} <= {ana["id"], ben["id"], dora["id"]}
    german = customer(inbox, language="de")
    assert holder(inbox, german) == dora["id"]    # the only German speaker
    loads = {}
    for h in (first, second, german, customer(inbox), customer(inbox), customer(inbox)):
        loads[holder(inbox, h)] = loads.get(holder(inbox, h), 0) + 1
    assert set(loads) == {ana["id"], ben["id"], dora["id"]} and max(loads.values()) - min(loads.values()) <= 1
    assert handoff(inbox, first)["status"] == "assigned"


def test_concurrent_handoffs_never_push_an_agent_over_capacity(inbox):
    solo = agent(inbox, "billing", capacity=2)
    ids, threads = [], [threading.Thread(target=lambda: ids.append(customer(inbox, queue="billing")))
                        for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = [h for h in ids if holder(inbox, h) == solo["id"]]
    assert len(held) == 2
    assert sorted(handoff(inbox, h)["status"] for h in ids) == ["assigned"] * 2 + ["waiting"] * 4


def test_with_nobody_online_a_handoff_waits_and_is_assigned_when_someone_comes_online(inbox):
    late = agent(inbox, "account", online=False)
    waiting = customer(inbox, queue="account")
    time.sleep(0.5)
    assert handoff(inbox, waiting)["status"] == "waiting" and holder(inbox, waiting) is None
    assert call("POST", f"{inbox.url}/api/me/status", {"status": "online"}, token=late["token"])[0] == 200
    assert wait_for(lambda: holder(inbox, waiting) == late["id"], timeout=5, what="the assignment")


def test_a_missed_first_response_target_raises_the_priority_and_is_listed_for_supervisors(inbox):
    late = customer(inbox, queue="orders")          # nobody of orders online; normal target 2 s
    row = handoff(inbox, late)
    assert row["sla_breached"] is False and 0 < row["sla_seconds_left"] <= 2
    breached = wait_for(lambda: handoff(inbox, late)["sla_breached"], timeout=10, what="the breach")
    assert breached and handoff(inbox, late)["priority"] == "high"
    _, listed = call("GET", f"{inbox.url}/api/handoffs?sla_breached=true", token=login(inbox, SUPERVISOR))
    assert late in [h["id"] for h in listed["handoffs"]]


def test_an_answered_conversation_keeps_its_target_met(inbox):
    sam = agent(inbox, "general")                    # general serves every queue
    answered = customer(inbox, queue="orders")
    assert holder(inbox, answered) == sam["id"]
    status, _ = call("POST", f"{inbox.url}/api/handoffs/{answered}/messages", {"text": "Hi, Sam here."},
                     token=sam["token"])
    assert status == 201
    time.sleep(2.5)
    row = handoff(inbox, answered)
    assert row["sla_breached"] is False and row["first_response_at"] and row["sla_seconds_left"] is None


def test_going_away_hands_unanswered_conversations_back_to_a_colleague(inbox):
    leaving = agent(inbox, "returns")
    ids = [customer(inbox), customer(inbox)]
    assert all(holder(inbox, h) == leaving["id"] for h in ids)
    status, _ = call("POST", f"{inbox.url}/api/handoffs/{ids[0]}/messages", {"text": "Looking into it."},
                     token=leaving["token"])
    assert status == 201
    stays = agent(inbox, "returns")
    status, body = call("POST", f"{inbox.url}/api/me/status", {"status": "away"}, token=leaving["token"])
    assert status == 200 and body["handed_back"] == 1       # the answered one stays theirs
    assert holder(inbox, ids[0]) == leaving["id"]
    assert wait_for(lambda: holder(inbox, ids[1]) == stays["id"], timeout=5, what="the reassignment")


@pytest.mark.parametrize("path,body", [("/api/me/status", {"status": "busy"}), ("/api/me/status", {}),
                                       ("/api/agents/1/capacity", {"capacity": -1}),
                                       ("/api/agents/1/capacity", {"capacity": "3"})])
def test_a_bad_status_or_capacity_is_a_400(inbox, path, body):
    status, answer = call("POST", inbox.url + path, body, token=login(inbox, SUPERVISOR))
    assert status == 400 and answer["error"]["code"] == "invalid_field"


def test_in_the_page_an_agent_goes_online_and_sees_the_conversation_assigned_with_its_time_left(inbox):
    from playwright.sync_api import expect, sync_playwright

    from tests.support.browser import ARGS, CHROMIUM, agent_page

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's /usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = agent_page(browser, inbox)           # the demo agent: returns team
            toggle = page.locator("#status-toggle")
            expect(toggle).to_have_text("Away")
            toggle.click()
            expect(toggle).to_have_text("Online")
            handoff_id = customer(inbox, queue="returns", priority="high")  # a 10-minute target
            item = page.locator(".handoff-item").first
            expect(item).to_contain_text("reply within", timeout=10000)
            expect(item).to_contain_text("Alex")          # assigned to the demo agent
            assert handoff(inbox, handoff_id)["assigned_to"]["email"] == "agent@harbor.example"
        finally:
            browser.close()
