"""Proving who a customer is, at the CRM: the email on an order, one-time codes,
failures counted across conversations, lockouts and unlocking."""
from __future__ import annotations

import sqlite3
import time

from tests.support.crm import clients, latest_code, start_demo_crm


def check_email(crm, order_id: str, email: str) -> dict:
    reply = crm.post(f"/orders/{order_id}/ownership-check", {"email": email})
    assert reply.status == 200, reply.body
    return reply.body


def check_code(crm, customer_id: str, code: str) -> dict:
    reply = crm.post(f"/customers/{customer_id}/verification-codes/check", {"code": code})
    assert reply.status == 200, reply.body
    return reply.body


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_the_email_on_the_order_verifies_in_any_case(crm):
    assert check_email(crm, "10231", "Maya.Patel@Example.com") == {"verified": True, "customer_id": "C001"}


def test_a_wrong_email_reveals_nothing_and_says_how_many_tries_are_left(crm):
    answer = check_email(crm, "10236", "someone@example.com")
    assert answer == {"verified": False, "reason": "email_mismatch", "attempts_left": 2}
    crm.post("/verification/unlock", {"order_id": "10236", "customer_id": "C003"})


def test_three_wrong_emails_lock_the_order_and_the_customer_until_an_agent_unlocks(crm):
    for attempt in range(3):
        answer = check_email(crm, "10234", f"guess{attempt}@example.com")
    assert answer["reason"] == "locked" and answer["locked_until"]
    # The right email is refused while locked, on this order and the customer's other one.
    assert check_email(crm, "10234", "daniel.okafor@example.com")["reason"] == "locked"
    assert check_email(crm, "10235", "daniel.okafor@example.com")["reason"] == "locked"
    assert crm.post("/customers/C002/verification-codes", {}).error_code == "verification_locked"
    unlocked = crm.post("/verification/unlock", {"order_id": "10234", "customer_id": "C002"})
    assert unlocked.status == 200
    assert check_email(crm, "10234", "daniel.okafor@example.com")["verified"] is True


def test_a_code_goes_to_the_email_on_file_and_works_once(crm, demo_crm):
    sent = crm.post("/customers/C004/verification-codes", {})
    assert sent.status == 201 and sent.body["sent_to"] == "liam.chen@example.com"
    assert sent.body["expires_in_minutes"] == 10
    code = latest_code(demo_crm, "liam.chen@example.com")
    assert check_code(crm, "C004", code) == {"verified": True, "customer_id": "C004"}
    assert check_code(crm, "C004", code) == {"verified": False, "reason": "no_code"}


def test_a_new_code_replaces_the_old_one(crm, demo_crm):
    crm.post("/customers/C004/verification-codes", {})
    first = latest_code(demo_crm, "liam.chen@example.com")
    crm.post("/customers/C004/verification-codes", {})
    second = latest_code(demo_crm, "liam.chen@example.com")
    if first != second:
        assert check_code(crm, "C004", first)["verified"] is False
    assert check_code(crm, "C004", second)["verified"] is True


def test_three_wrong_codes_lock_the_account(crm, demo_crm):
    crm.post("/customers/C005/verification-codes", {})
    code = latest_code(demo_crm, "ava.johnson@example.com")
    assert check_code(crm, "C005", wrong(code)) == {"verified": False, "reason": "wrong_code",
                                                    "attempts_left": 2}
    check_code(crm, "C005", wrong(code))
    assert check_code(crm, "C005", wrong(code))["reason"] == "locked"
    assert check_code(crm, "C005", code)["reason"] == "locked"
    crm.post("/verification/unlock", {"customer_id": "C005"})


def test_only_a_hash_of_the_code_is_stored(demo_crm, crm):
    crm.post("/customers/C001/verification-codes", {})
    code = latest_code(demo_crm, "maya.patel@example.com")
    db_path = demo_crm.env["DEMO_DB_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT * FROM verification_codes").fetchall()
    assert rows and not any(code in str(row) for row in rows)


def test_codes_are_sent_only_by_email_and_unlock_needs_a_subject(crm):
    assert crm.post("/customers/C001/verification-codes", {"via": "carrier-pigeon"}).status == 400
    assert crm.post("/verification/unlock", {}).status == 400
    assert crm.post("/customers/C999/verification-codes", {}).status == 404
    assert crm.post("/orders/99999/ownership-check", {"email": "x@example.com"}).status == 404


def test_an_expired_code_is_refused(tmp_path):
    srv = start_demo_crm(tmp_path, env={"VERIFICATION_CODE_MINUTES": "0.01"})  # 0.6 s
    try:
        crm = clients(srv)["crm"]
        crm.post("/customers/C001/verification-codes", {})
        code = latest_code(srv, "maya.patel@example.com")
        time.sleep(1.0)
        assert check_code(crm, "C001", code) == {"verified": False, "reason": "expired"}
    finally:
        srv.stop()


def test_a_lock_ends_by_itself_after_the_set_time(tmp_path):
    srv = start_demo_crm(tmp_path, env={"VERIFICATION_LOCK_MINUTES": "0.01"})  # 0.6 s
    try:
        crm = clients(srv)["crm"]
        for attempt in range(3):
            check_email(crm, "10231", f"guess{attempt}@example.com")
        assert check_email(crm, "10231", "maya.patel@example.com")["reason"] == "locked"
        time.sleep(1.0)
        assert check_email(crm, "10231", "maya.patel@example.com")["verified"] is True
    finally:
        srv.stop()
