"""Support analytics from what Rasa really writes: conversations saved by Rasa's
SQLTrackerStore into its SQLEventBroker table, a handoff created and claimed in
a real inbox, and the numbers read back through the CLI and the inbox API."""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time

import pytest

from tests.support.rasa_events import Conversation, contained_order_tracking, handed_off_return, save_with_rasa
from tests.support.inbox import SUPERVISOR, call, hand_off, login, standing_desk_package, start_inbox
from tests.support.procs import PYTHON, ROOT

HANDED_OFF = "+14155550101"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analytics")
    now = time.time()
    asyncio.run(save_with_rasa([
        contained_order_tracking("web-contained", now - 3 * 86400),
        handed_off_return(HANDED_OFF, now - 3600),
        contained_order_tracking("web-last-month", now - 20 * 86400),  # outside 7 days
    ], tmp / "tracker.db", tmp / "events.db"))
    inbox = start_inbox(tmp, event_db_url=f"sqlite:///{tmp / 'events.db'}")
    try:
        status, created = hand_off(inbox, standing_desk_package(sender_id=HANDED_OFF))
        assert status == 201, created
        status, claimed = call("POST", f"{inbox.url}/api/handoffs/{created['id']}/claim", {},
                               token=login(inbox))
        assert status == 200, claimed
        yield {"tmp": tmp, "inbox": inbox}
    finally:
        inbox.stop()


def cli(world, *args: str) -> str:
    tmp = world["tmp"]
    done = subprocess.run(
        [PYTHON, "-m", "services.analytics", "--events-url", f"sqlite:///{tmp / 'events.db'}",
         "--inbox-url", f"sqlite:///{tmp / 'inbox.db'}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cli_counts_conversations_containment_and_handoffs(world):
    report = json.loads(cli(world, "--days", "7", "--json"))
    assert report["sources"] == {"events": "ok", "inbox": "ok"}
    assert report["conversations"] == {"total": 2, "contained": 1, "handed_off": 1,
                                       "containment_rate": 0.5}
    assert report["messages"] == {"customer": 7, "bot": 8, "agent": 1}
    handoffs = report["handoffs"]
    assert (handoffs["live"], handoffs["ticket"], handoffs["failed"]) == (1, 0, 0)
    assert handoffs["by_reason"] == [{"reason": "refund_needs_approval", "count": 1, "share": 1.0}]
    assert handoffs["by_queue"] == [{"queue": "returns", "count": 1, "share": 1.0}]
    assert handoffs["share_of_conversations"] == 0.5
    assert handoffs["claimed"] == 1 and 0 <= handoffs["median_seconds_to_claim"] < 60


def test_cli_measures_nlu_sentiment_flows_and_backend_errors(world):
    report = json.loads(cli(world, "--json"))
    assert report["nlu"]["fallback"] == 1
    assert report["nlu"]["fallback_rate"] == round(1 / 7, 4)
    intents = {i["intent"]: i["count"] for i in report["nlu"]["intents"]}
    # EXTERNAL_handback is the inbox's trigger, not something the customer said
    assert intents == {"track_order": 1, "inform": 1, "thank_you": 1, "nlu_fallback": 1,
                       "return_item": 1, "complaint": 1, "greet": 1}
    assert report["sentiment"]["frustrated"] == 1
    assert report["sentiment"]["frustrated_share"] == round(1 / 7, 4)
    assert report["sentiment"]["average_compound"] == round((0.8 + 0.1 - 0.72) / 7, 4)
    flows = {f["flow"]: (f["started"], f["completed"]) for f in report["flows"]}
    assert flows == {"order_tracking_form": (1, 1), "return_form": (1, 0)}  # "stop" is no completion
    assert report["backend_errors"] == {"total": 1, "by_system": {"billing": 1},
                                        "by_action": {"action_quote_return": 1}}


def test_cli_table_prints_the_numbers(world):
    text = cli(world)
    assert re.search(r"^Conversations\s+2\b", text, re.M)
    assert re.search(r"^Containment\s+50\.0%\s+1 of 2 ended without a handoff", text, re.M)
    assert re.search(r"^Handoffs\s+1\s+live 1, ticket 0, failed 0", text, re.M)
    assert re.search(r"by reason\s+refund_needs_approval 1 \(100\.0%\)", text)
    assert re.search(r"^NLU fallback\s+14\.3%", text, re.M)
    assert re.search(r"order_tracking_form 1/1 completed, return_form 0/1 completed", text)
    days = re.findall(r"^(\d{4}-\d\d-\d\d)\s+(\d+)\s+(\d+)$", text, re.M)
    assert len(days) == 7
    assert sorted(int(c) for _, c, _ in days) == [0, 0, 0, 0, 0, 1, 1]


def test_longer_window_includes_older_conversations(world):
    week = json.loads(cli(world, "--days", "7", "--json"))
    month = json.loads(cli(world, "--days", "30", "--json"))
    assert week["conversations"]["total"] == 2
    assert month["conversations"]["total"] == 3
    assert month["conversations"]["containment_rate"] == round(2 / 3, 4)
    assert len(month["per_day"]) == 30


def test_supervisors_get_the_same_numbers_from_the_inbox(world):
    inbox = world["inbox"]
    status, body = call("GET", inbox.url + "/api/analytics?days=7", token=login(inbox, SUPERVISOR))
    assert status == 200, body
    from_cli = json.loads(cli(world, "--days", "7", "--json"))
    for report in (body, from_cli):
        report["window"].pop("generated_at")
    assert body == from_cli


def test_agents_may_not_read_analytics_and_days_are_checked(world):
    inbox = world["inbox"]
    status, body = call("GET", inbox.url + "/api/analytics", token=login(inbox))
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert call("GET", inbox.url + "/api/analytics")[0] == 401
    status, body = call("GET", inbox.url + "/api/analytics?days=0", token=login(inbox, SUPERVISOR))
    assert status == 400 and body["error"]["code"] == "invalid_field"


def test_inbox_page_shows_analytics_in_the_supervisor_view(world):
    import urllib.request

    url = world["inbox"].url
    with urllib.request.urlopen(url + "/", timeout=10) as resp:
        html = resp.read().decode()
    with urllib.request.urlopen(url + "/static/app.js", timeout=10) as resp:
        script = resp.read().decode()
    supervisor_view = html[html.index('id="queues-view"'):]
    assert 'id="analytics-body"' in supervisor_view.split("</main>")[0]
    assert '"/api/analytics?days=7"' in script


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="needs Debian's /usr/bin/chromium")
def test_supervisor_sees_the_numbers_in_the_inbox_page(world):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(world["inbox"].url + "/")
            page.get_by_label("Email").fill(SUPERVISOR[0])
            page.get_by_label("Password").fill(SUPERVISOR[1])
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("button", name="Queues & agents").click()
            table = page.locator("#analytics-body")
            expect(table.locator("tr", has_text="Containment")).to_contain_text("50.0%")
            expect(table.locator("tr", has_text="By reason")).to_contain_text(
                "refund needs approval 1 (100.0%)")
            expect(table.locator("tr", has_text="NLU fallback")).to_contain_text("14.3%")
            expect(table.locator("tr", has_text="Flows completed")).to_contain_text(
                "order tracking form 1/1")
        finally:
            browser.close()


def policy_question(sender_id: str, start: float, text: str, answered: bool) -> Conversation:
    conversation = (Conversation(sender_id, start).session()
                    .user(text, "nlu_fallback", 0.4, 0.0).action("action_default_ask_affirmation"))
    if answered:
        conversation.bot("Items can be returned within 30 days of delivery.", "utter_policy_answer",
                         passage_ids=["returns.window"], knowledge_score=0.71)
    else:
        conversation.bot("I'm not sure about that one.", "utter_policy_unknown",
                         knowledge_gap=text, knowledge_score=0.12)
    return conversation.action("action_listen")


def test_the_most_frequent_knowledge_gaps_are_listed(tmp_path):
    now = time.time()
    asyncio.run(save_with_rasa([
        policy_question("gap-1", now - 300, "do you sell bicycles", answered=False),
        policy_question("gap-2", now - 200, "Do you sell  bicycles", answered=False),
        policy_question("gap-3", now - 100, "gift wrapping?", answered=False),
        policy_question("answered", now - 50, "how long to return a jacket", answered=True),
    ], tmp_path / "tracker.db", tmp_path / "events.db"))
    done = subprocess.run([PYTHON, "-m", "services.analytics", "--events-url", f"sqlite:///{tmp_path / 'events.db'}",
                           "--inbox-url", f"sqlite:///{tmp_path / 'no-inbox.db'}", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    knowledge = json.loads(done.stdout)["knowledge"]
    assert knowledge["answers"] == 1 and knowledge["gaps"] == 3
    assert knowledge["top_gaps"][0] == {"question": "do you sell bicycles", "count": 2, "best_score": 0.12}
    table = subprocess.run([PYTHON, "-m", "services.analytics", "--events-url",
                            f"sqlite:///{tmp_path / 'events.db'}", "--inbox-url",
                            f"sqlite:///{tmp_path / 'no-inbox.db'}"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    assert "'do you sell bicycles' x2" in table
