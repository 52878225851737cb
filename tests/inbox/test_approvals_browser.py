"""The approvals view in the real page (Chromium via Playwright): a supervisor
sees the pending refund with its facts and approves it with a note; billing
(the real demo service) issues it and the customer's channel gets the news."""
from __future__ import annotations

import uuid

import pytest

from tests.support.browser import ARGS, CHROMIUM, agent_page
from tests.support.crm import BILLING_TOKEN, clients, start_demo_crm
from tests.support.inbox import (SUPERVISOR, call, hand_off, login, recorded, standing_desk_package,
                                 start_inbox, start_recorder)
from tests.support.procs import ROOT

SCREENSHOT = ROOT / "docs" / "screenshots" / "approvals.png"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")


@pytest.fixture
def stack(tmp_path):
    crm = start_demo_crm(tmp_path)
    rasa = start_recorder(tmp_path, "rasa")
    callback = start_recorder(tmp_path, "callback")  # the customer's channel
    inbox = start_inbox(tmp_path, rasa_url=rasa.url, env={
        "CALLBACK_URL": callback.url + "/bot", "BILLING_API_URL": f"{crm.url}/billing/v1",
        "BILLING_API_TOKEN": BILLING_TOKEN})
    yield inbox, crm, callback
    for s in (inbox, rasa, callback, crm):
        s.stop()


def test_a_supervisor_approves_a_pending_refund_in_the_page_and_billing_issues_it(stack):
    from playwright.sync_api import expect, sync_playwright

    inbox, crm, callback = stack
    billing = clients(crm)["billing"]
    refund = billing.post("/refunds", {"order_id": "10239", "amount": "749.00", "reason": "goodwill"},
                          key=uuid.uuid4().hex).body
    assert refund["status"] == "pending_approval"
    package = standing_desk_package("+14155550177")
    package["approval"] = {"kind": "refund", "subject_id": refund["id"], "order_id": "10239",
                           "amount": "749.00", "reason": "too big for my room",
                           "refund_method": "original_payment"}
    assert hand_off(inbox, package)[0] == 201
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = agent_page(browser, inbox, SUPERVISOR)
            page.get_by_role("button", name="Approvals").click()
            card = page.locator(".approval", has_text="order 10239")
            expect(card).to_contain_text("Maya Lindqvist")
            expect(card).to_contain_text("too big for my room")
            expect(card).to_contain_text(refund["id"])
            card.get_by_label("Note").fill("Unused desk, approved.")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
            card.get_by_role("button", name="Approve").click()
            expect(page.locator("#approvals-empty")).to_be_visible()
        finally:
            browser.close()
    assert billing.get(f"/refunds/{refund['id']}").body["status"] == "issued"
    assert any("has been approved" in (r.get("body") or {}).get("text", "") for r in recorded(callback))
    # a plain agent sees no approvals and may not list them
    status, _ = call("GET", f"{inbox.url}/api/approvals", token=login(inbox))
    assert status == 403
