"""The supervisors' dashboard in the real page (Chromium via Playwright): two
weeks of conversations saved the way Rasa saves them, an inbox reading them,
and Chart.js drawing containment, handoffs by reason, CSAT bot vs people,
fallback rate, first response, SLA breaches and knowledge gaps."""
from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.browser import ARGS, CHROMIUM, agent_page
from tests.support.inbox import SUPERVISOR, call, hand_off, login, standing_desk_package, start_inbox
from tests.support.procs import ROOT
from tests.support.rasa_events import contained_order_tracking, handed_off_return, save_with_rasa

SCREENSHOT = ROOT / "docs" / "screenshots" / "dashboard.png"
DAY = 86400

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")


@pytest.fixture
def inbox(tmp_path):
    now = time.time()
    conversations = []
    for days_ago in range(6):
        start = now - days_ago * DAY - 3600
        for n in range(1 + days_ago % 3):
            conversations.append(contained_order_tracking(f"web-{days_ago}-{n}", start + n * 60)
                                 .slot("csat_rating", {"kind": "bot", "flow": "track_order_form",
                                                        "score": 3 + (days_ago + n) % 3, "comment": None}))
        if days_ago % 2 == 0:
            conversations.append(handed_off_return(f"web-h-{days_ago}", start + 600)
                                 .slot("csat_rating", {"kind": "human", "handoff_id": None,
                                                        "score": 4 + days_ago % 2, "comment": None}))
    asyncio.run(save_with_rasa(conversations, tmp_path / "tracker.db", tmp_path / "events.db"))
    srv = start_inbox(tmp_path, event_db_url=f"sqlite:///{tmp_path / 'events.db'}",
                      env={"INBOX_SLA_NORMAL_SECONDS": "1", "INBOX_ROUTING_SECONDS": "0.2"})
    status, created = hand_off(srv, standing_desk_package(sender_id="web-h-0"))
    assert status == 201, created
    status, _ = hand_off(srv, {**standing_desk_package(sender_id="web-late"), "priority": "normal"})
    time.sleep(1.5)  # web-late misses its 1-second first-response target
    yield srv
    srv.stop()


def test_a_supervisor_sees_the_trends_as_charts(inbox):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = agent_page(browser, inbox, SUPERVISOR)
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.get_by_role("button", name="Dashboard").click()
            expect(page.locator("#dashboard-note")).to_contain_text("CSAT bot")
            data = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.charts canvas')]
                .map((c) => [c.id, Chart.getChart(c).data.datasets.map((d) => d.data)]))""")
            assert set(data) == {"chart-containment", "chart-handoffs", "chart-csat", "chart-fallback",
                                 "chart-first-response", "chart-sla", "chart-gaps"}
            assert any(v is not None and v > 0 for v in data["chart-containment"][0])
            bot, people = data["chart-csat"]
            assert any(v for v in bot) and any(v for v in people)
            assert sum(sum(v or 0 for v in series) for series in data["chart-handoffs"]) >= 3
            assert (data["chart-sla"][0][-1] or 0) >= 1     # today's missed target
            page.set_viewport_size({"width": 1280, "height": 1100})
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
            assert errors == []
        finally:
            browser.close()
    # agents do not get the numbers behind it
    status, _ = call("GET", f"{inbox.url}/api/analytics?days=14", token=login(inbox))
    assert status == 403
