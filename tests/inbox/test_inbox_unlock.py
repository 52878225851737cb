"""An agent ends a customer's verification lockout from the inbox
(`POST /api/handoffs/{id}/unlock-verification`), against a real demo CRM."""
from __future__ import annotations

import contextlib
import socket
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest

from tests.support.procs import wait_for
from tests.support.browser import ARGS, CHROMIUM, agent_page
from tests.support.crm import CRM_TOKEN, clients, latest_code, start_demo_crm, unlock_verification
from tests.support.inbox import (SUPERVISOR, call, hand_off, login, standing_desk_package,
                                 start_inbox)
from tests.support.procs import free_port

RIGHT_EMAIL, WRONG_EMAIL = "maya.patel@example.com", "wrong@example.com"


@pytest.fixture(scope="module")
def demo_crm(tmp_path_factory):
    srv = start_demo_crm(tmp_path_factory.mktemp("crm"))
    yield srv
    srv.stop()


def _inbox_with(tmp_path_factory, fake_rasa, name: str, crm_url: str, crm_token: str,
                **env: str):
    return start_inbox(tmp_path_factory.mktemp(name), rasa_url=fake_rasa.url,
                       env={"CRM_API_URL": crm_url, "CRM_API_TOKEN": crm_token, **env})


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, fake_rasa, demo_crm):
    srv = _inbox_with(tmp_path_factory, fake_rasa, "inbox", demo_crm.url + "/crm/v1", CRM_TOKEN)
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def no_lockouts(demo_crm):
    """Each test starts with no customer or order locked."""
    unlock_verification(demo_crm)


# -- helpers --------------------------------------------------------------------

def ownership_check(demo_crm, email: str, order_id: str = "10231") -> Dict[str, Any]:
    reply = clients(demo_crm)["crm"].post(f"/orders/{order_id}/ownership-check", {"email": email})
    assert reply.status == 200, reply.body
    return reply.body


def lock_by_wrong_emails(demo_crm, order_id: str = "10231") -> None:
    answers = [ownership_check(demo_crm, WRONG_EMAIL, order_id) for _ in range(3)]
    assert answers[-1]["verified"] is False and answers[-1]["reason"] == "locked", answers
    assert ownership_check(demo_crm, RIGHT_EMAIL, order_id)["reason"] == "locked"


def locked_out_package(slots: Dict[str, Any], customer: Optional[dict] = None) -> Dict[str, Any]:
    """What the bot hands over after a lockout: nobody verified, so no customer
    or order facts, only what the customer gave (slots)."""
    package = standing_desk_package(sender_id=f"callback:{uuid.uuid4().hex[:10]}")
    package.update(reason="verification_locked", queue="orders",
                   summary="Customer locked out of verification; customer not verified")
    package["context"].update(customer=customer, order=None,
                              slots={"customer_verified": False, "verification_attempts": 3.0,
                                     **slots})
    return package


def open_handoff(inbox, package: Dict[str, Any], claim_token: Optional[str] = None) -> int:
    status, answer = hand_off(inbox, package)
    assert status == 201, answer
    if claim_token:
        status, row = call("POST", f"{inbox.url}/api/handoffs/{answer['id']}/claim", {},
                           token=claim_token)
        assert status == 200, row
    return answer["id"]


def unlock(inbox, handoff_id: int, token: Optional[str]):
    return call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/unlock-verification", {},
                token=token)


def notes(inbox, handoff_id: int, token: str):
    status, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
    assert status == 200, detail
    return [m["text"] for m in detail["messages"] if m["direction"] == "note"]


# -- unlocking --------------------------------------------------------------------

def test_an_agent_unlocks_a_customer_locked_out_by_wrong_emails(inbox, demo_crm):
    lock_by_wrong_emails(demo_crm)
    token = login(inbox)
    handoff_id = open_handoff(inbox, locked_out_package({"order_id": "10231"}), token)

    status, answer = unlock(inbox, handoff_id, token)

    assert status == 200, answer
    # The order's customer too: a lock on either refuses the ownership check.
    assert sorted(answer["unlocked"]) == ["customer:C001", "order:10231"]
    assert ownership_check(demo_crm, RIGHT_EMAIL) == {"verified": True, "customer_id": "C001"}
    assert notes(inbox, handoff_id, token) == [
        "Verification unlocked by Alex Rivera (customer C001, order 10231)."]
    assert wait_for(lambda: "unlocked verification for customer:C001, order:10231 on handoff "
                    f"{handoff_id}" in inbox.log_path.read_text())


def test_an_agent_unlocks_an_account_locked_by_wrong_codes(inbox, demo_crm):
    crm = clients(demo_crm)["crm"]
    assert crm.post("/customers/C002/verification-codes", {"via": "email"}).status == 201
    for _ in range(3):
        answer = crm.post("/customers/C002/verification-codes/check", {"code": "000000"}).body
    assert answer["reason"] == "locked", answer
    assert crm.post("/customers/C002/verification-codes", {"via": "email"}).status == 429
    token = login(inbox)
    package = locked_out_package({"account_candidate": "C002",
                                  "customer_email": "daniel.okafor@example.com"})
    handoff_id = open_handoff(inbox, package, token)

    status, answer = unlock(inbox, handoff_id, token)

    assert status == 200, answer
    assert answer["unlocked"] == ["customer:C002"]
    assert crm.post("/customers/C002/verification-codes", {"via": "email"}).status == 201
    code = latest_code(demo_crm, "daniel.okafor@example.com")
    assert crm.post("/customers/C002/verification-codes/check", {"code": code}).body == {
        "verified": True, "customer_id": "C002"}


def test_a_supervisor_unlocks_a_handoff_another_agent_holds(inbox, demo_crm):
    lock_by_wrong_emails(demo_crm, "10234")
    handoff_id = open_handoff(inbox, locked_out_package({"order_id": "10234"}), login(inbox))

    status, answer = unlock(inbox, handoff_id, login(inbox, SUPERVISOR))

    assert status == 200, answer
    assert ownership_check(demo_crm, "daniel.okafor@example.com", "10234")["verified"] is True


# -- refusals ---------------------------------------------------------------------

def test_a_handoff_naming_no_customer_or_order_cannot_be_unlocked(inbox):
    token = login(inbox)
    handoff_id = open_handoff(inbox, locked_out_package({}), token)

    status, answer = unlock(inbox, handoff_id, token)

    assert status == 409, answer
    assert answer["error"]["code"] == "nothing_to_unlock"
    assert notes(inbox, handoff_id, token) == []


@pytest.mark.parametrize("holder", ["nobody", "supervisor"])
def test_only_the_agent_holding_the_handoff_may_unlock(inbox, demo_crm, holder):
    lock_by_wrong_emails(demo_crm)
    claim_token = login(inbox, SUPERVISOR) if holder == "supervisor" else None
    handoff_id = open_handoff(inbox, locked_out_package({"order_id": "10231"}), claim_token)

    status, answer = unlock(inbox, handoff_id, login(inbox))

    assert status == 409, answer
    assert answer["error"]["code"] == {"nobody": "not_claimed",
                                       "supervisor": "not_your_handoff"}[holder]
    assert ownership_check(demo_crm, RIGHT_EMAIL)["reason"] == "locked"


def test_unlocking_needs_a_session(inbox, demo_crm):
    lock_by_wrong_emails(demo_crm)
    handoff_id = open_handoff(inbox, locked_out_package({"order_id": "10231"}), login(inbox))

    status, answer = unlock(inbox, handoff_id, None)

    assert status == 401, answer
    assert ownership_check(demo_crm, RIGHT_EMAIL)["reason"] == "locked"


# -- the CRM unreachable or not configured -----------------------------------------

@contextlib.contextmanager
def inbox_reaching(tmp_path_factory, fake_rasa, crm_url: str, crm_token: str = CRM_TOKEN,
                   **env: str):
    srv = _inbox_with(tmp_path_factory, fake_rasa, "inbox-crm", crm_url, crm_token, **env)
    try:
        yield srv
    finally:
        srv.stop()


def unlock_new_handoff(srv) -> Tuple[int, Any, List[str]]:
    """The agent claims a locked-out customer's handoff and unlocks it:
    (status, answer, the handoff's notes afterwards)."""
    token = login(srv)
    handoff_id = open_handoff(srv, locked_out_package({"order_id": "10231"}), token)
    status, answer = unlock(srv, handoff_id, token)
    return status, answer, notes(srv, handoff_id, token)


def test_a_crm_outage_answers_502_and_records_nothing(tmp_path_factory, fake_rasa):
    with inbox_reaching(tmp_path_factory, fake_rasa, f"http://127.0.0.1:{free_port()}") as srv:
        status, answer, noted = unlock_new_handoff(srv)
        assert call("GET", srv.url + "/health")[0] == 200
        log = srv.log_path.read_text()
    assert status == 502, answer
    assert answer["error"]["code"] == "crm_unavailable"
    assert "unreachable" in answer["error"]["message"]
    assert noted == []
    assert "Traceback" not in log and "crm_unavailable" in log


def test_a_crm_refusing_the_token_answers_502_naming_the_setting(tmp_path_factory, fake_rasa,
                                                                 demo_crm):
    with inbox_reaching(tmp_path_factory, fake_rasa, demo_crm.url + "/crm/v1",
                        "wrong-token") as srv:
        status, answer, _ = unlock_new_handoff(srv)
    assert status == 502, answer
    assert "CRM_API_TOKEN" in answer["error"]["message"]


def test_a_crm_that_never_answers_times_out_with_502(tmp_path_factory, fake_rasa):
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with inbox_reaching(tmp_path_factory, fake_rasa, f"http://127.0.0.1:"
                            f"{silent.getsockname()[1]}", INBOX_CRM_TIMEOUT_SECONDS="1") as srv:
            started = time.monotonic()
            status, answer, _ = unlock_new_handoff(srv)
            took = time.monotonic() - started
    assert status == 502, answer
    assert "did not answer within 1 s" in answer["error"]["message"]
    assert took < 5


def test_without_crm_settings_the_inbox_starts_and_unlock_answers_503(tmp_path_factory,
                                                                      fake_rasa):
    with inbox_reaching(tmp_path_factory, fake_rasa, "", "") as srv:
        status, answer, _ = unlock_new_handoff(srv)
    assert status == 503, answer
    assert answer["error"]["code"] == "crm_not_configured"
    assert answer["error"]["message"].startswith("CRM not configured")


# -- the page ------------------------------------------------------------------------

@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")
def test_an_agent_unlocks_from_the_context_panel(inbox, demo_crm):
    from playwright.sync_api import expect, sync_playwright

    lock_by_wrong_emails(demo_crm)
    locked = locked_out_package({"order_id": "10231"})
    open_handoff(inbox, locked)
    nameless = locked_out_package({})
    open_handoff(inbox, nameless)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = agent_page(browser, inbox)
            page.locator(".handoff-item", has_text=nameless["sender_id"]).click()
            expect(page.locator("#conv-title")).to_have_text(nameless["sender_id"])
            expect(page.get_by_role("button", name="Unlock verification")).to_be_hidden()

            page.locator(".handoff-item", has_text=locked["sender_id"]).click()
            unlock_button = page.get_by_role("button", name="Unlock verification")
            expect(unlock_button).to_be_disabled()  # claim it first
            page.get_by_role("button", name="Claim").click()
            expect(unlock_button).to_be_enabled()
            unlock_button.click()
            expect(page.locator("#unlock-result")).to_have_text(
                "Unlocked customer C001, order 10231: the customer can verify again.")
            expect(page.locator("#transcript .msg.note")).to_contain_text(
                "Verification unlocked by Alex Rivera")
        finally:
            browser.close()
    assert ownership_check(demo_crm, RIGHT_EMAIL)["verified"] is True
