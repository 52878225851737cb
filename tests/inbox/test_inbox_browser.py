"""An agent works a handoff in the real page (Chromium via Playwright): log in,
see the waiting conversation, claim, read a new customer message live, reply
(it reaches the customer's callback endpoint), release to the bot."""
from __future__ import annotations

import time

import pytest

from tests.support.inbox import recorded, start_recorder
from tests.support.procs import wait_for
from tests.support.inbox import hand_off, standing_desk_package, start_inbox
from tests.support.browser import ARGS, CHROMIUM, agent_page
from tests.support.procs import ROOT

SCREENSHOT = ROOT / "docs" / "screenshots" / "inbox.png"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")


def other_handoffs(now: float):
    """A few more conversations so the queue looks like a real shift."""
    return [
        {"sender_id": "6600000000000042", "input_channel": "messenger", "queue": "billing",
         "priority": "high", "reason": "duplicate_charge",
         "summary": "Charged twice for order 10244 ($89.00); wants the duplicate refunded.",
         "context": {"customer": {"name": "Jonas Weber"}},
         "transcript": [{"role": "customer", "text": "you charged me twice!!", "timestamp": now - 600}]},
        {"sender_id": "+447700900123", "input_channel": "whatsapp", "queue": "orders",
         "reason": "late_delivery", "summary": "Order 10231 is 4 days late; carrier shows no scan.",
         "context": {"customer": {"name": "Priya Shah"}},
         "transcript": [{"role": "customer", "text": "where is my order 10231", "timestamp": now - 900}]},
        {"sender_id": "web-7f3a", "input_channel": "rest", "queue": "account",
         "reason": "customer_asked_for_human", "summary": "Wants to merge two accounts.",
         "transcript": [{"role": "customer", "text": "I need a human", "timestamp": now - 120}]},
    ]


@pytest.fixture
def stack(tmp_path):
    from rasa.core.brokers.sql import SQLEventBroker

    rasa = start_recorder(tmp_path, "rasa")
    callback = start_recorder(tmp_path, "callback")
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    inbox = start_inbox(tmp_path, rasa_url=rasa.url, env={"CALLBACK_URL": callback.url + "/bot"})
    yield inbox, rasa, callback, broker
    for srv in (inbox, rasa, callback):
        srv.stop()


def test_agent_claims_replies_and_releases_in_the_browser(stack):
    from playwright.sync_api import expect, sync_playwright
    from rasa.shared.core.events import UserUttered

    inbox, rasa, callback, broker = stack
    now = time.time()
    package = standing_desk_package("+14155550101", "callback", now=now - 240)
    assert hand_off(inbox, package)[0] == 201
    for other in other_handoffs(now):
        assert hand_off(inbox, other)[0] == 201

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = agent_page(browser, inbox)
            item = page.locator(".handoff-item", has_text="Maya Lindqvist")
            expect(item).to_contain_text("refund over $500 needs approval")
            expect(item).to_contain_text("waiting")
            item.click()
            expect(page.locator("#context")).to_contain_text("Standing Desk")
            page.get_by_role("button", name="Claim").click()
            expect(page.locator("#conv-status")).to_have_text("assigned")

            # The customer writes while paused: Rasa's broker row shows up without a reload.
            broker.publish({"sender_id": "+14155550101",
                            **UserUttered("Is anyone there? I need this sorted today.").as_dict()})
            expect(page.locator("#transcript")).to_contain_text("Is anyone there?", timeout=10_000)

            reply = "Hi Maya, I'm Alex. I've approved your $749 refund; it reaches your Visa in 3-5 business days."
            page.get_by_label("Message", exact=True).fill(reply)
            page.get_by_role("button", name="Send reply").click()
            expect(page.locator("#transcript .msg.agent")).to_contain_text("approved your $749 refund")
            assert wait_for(lambda: any((r["body"] or {}).get("text") == reply
                                        for r in recorded(callback)), 5)
            page.locator("#composer-text").blur()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))

            page.get_by_text("Release to bot").click()
            page.get_by_label("Slots to set").fill("order_id=10239")
            page.get_by_role("button", name="Release").click()
            expect(page.locator("#conv-status")).to_have_text("released")
            assert recorded(rasa)[-1]["body"] == {"name": "EXTERNAL_handback"}
            assert {"event": "slot", "name": "order_id", "value": "10239"} in recorded(rasa)[-2]["body"]
        finally:
            browser.close()
