"""The inbox's pages in real headless Chromium (Debian's, driven by Playwright)."""
from __future__ import annotations

from pathlib import Path

from tests.support.inbox import AGENT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def agent_page(browser, inbox, who=AGENT):
    """A 1280x800 page of the inbox, logged in as the demo agent (or `who`)."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(inbox.url + "/")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Log in").click()
    return page
