"""The demo CRM's own log lines (request paths, error messages) keep URL-encoded
emails and phone numbers out: a real `python -m services.crm`, real requests."""
from __future__ import annotations

import pytest

from tests.support.crm import CRM_TOKEN, JsonClient, start_demo_crm

SECRETS = ("ava%40example.com", "ava@example.com", "14155550101", "7700900123", "7700%20900123")


@pytest.fixture(scope="module")
def demo_crm(tmp_path_factory):
    srv = start_demo_crm(tmp_path_factory.mktemp("privacy-crm"))
    yield srv
    srv.stop()


def test_url_encoded_emails_and_phone_numbers_in_crm_requests_are_masked_in_its_log(demo_crm):
    crm = JsonClient(demo_crm.url + "/crm/v1", CRM_TOKEN)
    assert crm.get("/customers/ava%40example.com").status == 404
    assert crm.get("/customers/%2B14155550101/orders").status == 404
    assert crm.get("/customers/%2B44%207700%20900123").status == 404
    assert crm.get("/customers?email=ava%40example.com&phone=%2B14155550101").status == 200
    demo_crm.stop()  # flushes the log
    log = demo_crm.log_path.read_text(errors="replace")
    assert "GET /crm/v1/customers/[email] -> 404" in log
    assert "GET /crm/v1/customers/[phone]/orders -> 404" in log
    assert not [secret for secret in SECRETS if secret in log], log
