"""The review loop over HTTP and in Chromium: messages the NLU fell back on or
was unsure about (saved the way Rasa saves them), labelled by an agent,
exported by `make review-export` as NLU examples `rasa data validate`
accepts: personal data replaced, nothing data/nlu already has."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import time

import pytest
import yaml

from tests.support.browser import ARGS, CHROMIUM, agent_page
from tests.support.inbox import call, login, start_inbox
from tests.support.procs import PYTHON, ROOT
from tests.support.rasa_events import Conversation, save_with_rasa

SCREENSHOT = ROOT / "docs" / "screenshots" / "review.png"
MISREAD = "yo my parcel never showed, its been ages. email is maria.lopez@gmail.com, order 10236"


@pytest.fixture
def inbox(tmp_path):
    now = time.time() - 600
    conversations = [
        Conversation("web-review-1", now).session()
        .user(MISREAD, "nlu_fallback", 0.6).action("action_default_ask_affirmation"),
        Conversation("web-review-2", now + 60).session()
        .user("can u do smth about the thing with Daniel Kim", "nlu_fallback", 0.6),
        Conversation("web-review-3", now + 120).session()
        .user("maybe cancel idk", "cancel_order", 0.52),
        Conversation("web-review-4", now + 180).session()
        .user("where is my order", "track_order", 0.98),   # sure: not for review
        Conversation("web-review-5", now + 240).session()
        .user("cancel my order", "nlu_fallback", 0.6),       # data/nlu has it already
    ]
    asyncio.run(save_with_rasa(conversations, tmp_path / "tracker.db", tmp_path / "events.db"))
    srv = start_inbox(tmp_path, event_db_url=f"sqlite:///{tmp_path / 'events.db'}")
    yield srv
    srv.stop()


def listed(inbox, token, kind):
    status, body = call("GET", f"{inbox.url}/api/review/messages?kind={kind}", token=token)
    assert status == 200, body
    return {m["text"]: m for m in body["messages"]}


def test_an_agent_labels_what_the_bot_misread_and_the_export_is_valid_anonymised_training_data(inbox, tmp_path):
    agent = login(inbox)
    fell_back = listed(inbox, agent, "fallback")
    assert set(fell_back) == {MISREAD, "can u do smth about the thing with Daniel Kim", "cancel my order"}
    unsure = listed(inbox, agent, "low_confidence")
    assert set(unsure) == {"maybe cancel idk"} and unsure["maybe cancel idk"]["guess"][0]["intent"] == "cancel_order"

    label = lambda m, body: call("POST", f"{inbox.url}/api/review/messages/{m['id']}/label", body, token=agent)
    assert label(fell_back[MISREAD], {"intent": "made_up_intent"})[0] == 400
    assert label(fell_back[MISREAD], {"intent": "return_item"})[0] == 200
    assert label(fell_back[MISREAD], {"intent": "track_order"})[0] == 200      # relabelled
    assert label(fell_back["can u do smth about the thing with Daniel Kim"], {"out_of_scope": True})[0] == 200
    assert label(fell_back["cancel my order"], {"intent": "cancel_order"})[0] == 200
    assert label(unsure["maybe cancel idk"], {"intent": "cancel_order"})[0] == 200
    assert listed(inbox, agent, "fallback")[MISREAD]["label"]["intent"] == "track_order"
    assert call("POST", f"{inbox.url}/api/review/messages/999999/label", {"intent": "greet"}, token=agent)[0] == 404

    # export into a copy of the project's data, then validate it as a designer would
    project = tmp_path / "project"
    for part in ("data", "domain"):
        shutil.copytree(ROOT / part, project / part)
    shutil.copy(ROOT / "config.yml", project / "config.yml")
    output = project / "data" / "nlu" / "reviewed.yml"
    export = [PYTHON, str(ROOT / "scripts" / "review_export.py"), "--inbox-url",
              f"sqlite:///{tmp_path / 'inbox.db'}", "--output", str(output)]
    done = subprocess.run(export, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    examples = {b["intent"]: b["examples"] for b in yaml.safe_load(output.read_text())["nlu"]}
    assert "jane.doe@example.com" in examples["track_order"] and "maria.lopez" not in output.read_text()
    assert "10236" not in output.read_text()
    assert "Daniel Kim" not in output.read_text() and "Alex" in examples["out_of_scope"]
    assert "cancel my order" not in output.read_text()             # data/nlu has it
    assert "maybe cancel idk" in examples["cancel_order"]
    first = output.read_text()
    assert subprocess.run(export, cwd=ROOT, capture_output=True, timeout=300).returncode == 0
    assert output.read_text() == first                              # idempotent
    validate = subprocess.run([str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--domain", "domain",
                               "--data", "data", "--config", "config.yml", "--fail-on-warnings"],
                              cwd=project, capture_output=True, text=True, timeout=300)
    assert validate.returncode == 0, validate.stdout[-2000:] + validate.stderr[-2000:]


def test_in_the_page_an_agent_labels_a_message(inbox):
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's /usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = agent_page(browser, inbox)
            page.get_by_role("button", name="Review").click()
            row = page.locator("tr", has_text="parcel never showed")
            expect(row).to_contain_text("—")  # the fallback's ranking holds only nlu_fallback
            row.get_by_label(f"Intent for: {MISREAD}").select_option("track_order")
            row.get_by_role("button", name="Label").click()
            expect(row).to_contain_text("labelled track order")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
    _, body = call("GET", f"{inbox.url}/api/review/messages?kind=fallback", token=login(inbox))
    assert next(m for m in body["messages"] if m["text"] == MISREAD)["label"]["intent"] == "track_order"
