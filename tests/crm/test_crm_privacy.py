"""Personal data the CRM keeps out of its logs and its database."""
import sqlite3
from pathlib import Path

import pytest

from tests.support.crm import clients, start_demo_crm

PHONE_KEY = "whatsapp-+14155550101-password-reset-1"


def _db_path(srv) -> Path:
    return Path(srv.env["DEMO_DB_URL"].removeprefix("sqlite:///"))


def _idempotency_rows(srv):
    with sqlite3.connect(_db_path(srv)) as db:
        return db.execute("SELECT key, method, path, request_hash, body FROM idempotency_keys").fetchall()


def test_an_email_in_a_request_path_is_masked_in_the_log(demo_crm, crm):
    assert crm.get("/customers/maya.patel@example.com").status == 404
    log = demo_crm.log_path.read_text(errors="replace")
    assert "/crm/v1/customers/" in log
    assert "maya.patel@example.com" not in log


def test_no_idempotency_key_text_is_stored(demo_crm, crm):
    assert crm.post("/customers/C001/password-reset", key=PHONE_KEY).status == 200
    assert crm.post("/customers/C001/password-reset", key=PHONE_KEY).headers["idempotent-replayed"] == "true"
    rows = _idempotency_rows(demo_crm)
    assert rows
    assert not any("14155550101" in str(field) or PHONE_KEY in str(field) for row in rows for field in row)


@pytest.fixture
def restartable(tmp_path):
    servers = []
    yield lambda: servers.append(start_demo_crm(tmp_path)) or servers[-1]
    for srv in servers:
        srv.stop()


def test_keys_stored_before_hashing_are_dropped_at_startup(restartable):
    first = restartable()
    first.stop()
    with sqlite3.connect(_db_path(first)) as db:
        db.execute("INSERT INTO idempotency_keys (key, method, path, request_hash, status, body, created_at) "
                   "VALUES (?, 'POST', '/crm/v1/customers/C001/password-reset', 'x', 200, '{}', "
                   "CURRENT_TIMESTAMP)", (PHONE_KEY,))
    second = restartable()
    assert clients(second)["root"].get("/health").status == 200
    assert _idempotency_rows(second) == []
