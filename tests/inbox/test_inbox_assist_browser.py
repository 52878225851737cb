"""Agent assist in the real page (Chromium via Playwright): a Spanish-speaking
customer's conversation shows its language, the knowledge passages for her
latest message and a suggested reply in Spanish that one click puts into the
reply box, for the agent to edit and send."""
from __future__ import annotations

import pytest

from tests.support.browser import ARGS, CHROMIUM, agent_page
from tests.support.inbox import hand_off, start_inbox, start_recorder
from tests.support.languages import german_package, spanish_package
from tests.support.procs import ROOT

SCREENSHOT = ROOT / "docs" / "screenshots" / "assist.png"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")


@pytest.fixture
def inbox(tmp_path):
    rasa = start_recorder(tmp_path, "rasa")
    callback = start_recorder(tmp_path, "callback")  # the customer's channel: replies can go out
    srv = start_inbox(tmp_path, rasa_url=rasa.url, env={"CALLBACK_URL": callback.url + "/bot"})
    yield srv
    for s in (srv, rasa, callback):
        s.stop()


def test_an_agent_puts_the_suggested_spanish_reply_into_the_reply_box_with_one_click(inbox):
    from playwright.sync_api import expect, sync_playwright

    assert hand_off(inbox, german_package("+4915100000010"))[0] == 201
    assert hand_off(inbox, spanish_package("+34600111444", input_channel="callback"))[0] == 201
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = agent_page(browser, inbox)
            item = page.locator(".handoff-item", has_text="Lucía Fernández")
            expect(item.locator(".lang")).to_have_text("ES")
            # the demo agent speaks English and Spanish, not German: marked so
            expect(page.locator(".handoff-item", has_text="German").locator(".lang.foreign")).to_have_text("DE")
            item.click()
            expect(page.locator("#conv-meta")).to_contain_text("writes in Spanish")
            box = page.locator("#assist-box")
            expect(box).to_be_visible()
            expect(page.locator("#assist-passages li")).to_have_count(3)
            expect(page.locator("#assist-passages li").first).to_contain_text("delivery.standard")
            expect(page.locator("#assist-reply")).to_contain_text("gratis en pedidos de más de $50")
            page.get_by_role("button", name="Claim").click()
            expect(page.locator("#conv-status")).to_have_text("assigned")
            page.get_by_role("button", name="Use suggestion").click()
            value = page.locator("#composer-text").input_value()
            assert value.startswith("Hola, Lucía:") and "1Z999AA10123456784" in value
            assert "está en estado enviado" in value  # the order's status in Spanish too
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
