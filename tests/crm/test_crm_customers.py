"""Customers: lookup, one account per email, changes, and the emails they trigger."""
from datetime import date, timedelta

import pytest

MAYA = "C001"


@pytest.mark.parametrize("params", [
    {"email": "maya.patel@example.com"}, {"email": "MAYA.Patel@Example.COM"},
    {"phone": "+14155550101"}, {"phone": "+1 415-555-0101"}, {"messenger_psid": "6600000000000001"}])
def test_customer_is_found_by_email_phone_or_messenger_id(crm, params):
    reply = crm.get("/customers", params=params)
    assert reply.status == 200
    assert [c["id"] for c in reply.body["customers"]] == [MAYA]


def test_a_plus_sign_decoded_as_a_space_still_finds_the_phone(crm):
    # `?phone=+14155550101` unencoded arrives as " 14155550101".
    reply = crm.get("/customers?phone=+14155550101")
    assert [c["id"] for c in reply.body["customers"]] == [MAYA]


def test_lookup_without_a_match_is_an_empty_list(crm):
    reply = crm.get("/customers", params={"email": "nobody@example.com"})
    assert (reply.status, reply.body) == (200, {"customers": []})


def test_lookup_needs_a_query_and_a_valid_phone(crm):
    assert crm.get("/customers").error_code == "missing_query"
    reply = crm.get("/customers", params={"phone": "call me"})
    assert (reply.status, reply.error_code) == (400, "invalid_field")


def test_customer_by_id_has_the_contract_fields_and_a_relative_creation_date(crm):
    body = crm.get(f"/customers/{MAYA}").body
    assert set(body) >= {"id", "name", "email", "phone", "messenger_psid", "address", "newsletter",
                         "created_at"}
    assert body["created_at"] == (date.today() - timedelta(days=400)).isoformat()


def test_one_account_per_email_whatever_its_case(crm):
    created = crm.post("/customers", {"name": "Noah Kim", "email": "Noah.Kim@example.com",
                                      "phone": "+14155550999"})
    assert created.status == 201
    assert created.body["id"] not in ("C001", "C002", "C003", "C004", "C005")
    assert crm.get(f"/customers/{created.body['id']}").body["email"] == "Noah.Kim@example.com"
    again = crm.post("/customers", {"name": "Noah K", "email": "noah.kim@EXAMPLE.com"})
    assert (again.status, again.error_code) == (409, "email_taken")
    seeded = crm.post("/customers", {"name": "Maya", "email": "maya.patel@example.com"})
    assert seeded.error_code == "email_taken"


def test_new_customer_is_validated(crm):
    assert crm.post("/customers", {"name": "X", "email": "not-an-email"}).error_code == "invalid_field"
    assert crm.post("/customers", {"name": "", "email": "x@example.com"}).error_code == "invalid_field"
    assert crm.post("/customers", {"name": "X", "email": "x@example.com",
                                   "phone": "12"}).error_code == "invalid_field"


def test_patch_changes_only_name_phone_and_address(crm):
    reply = crm.patch("/customers/C005", {"address": "1 Main St, Albany, NY 12207, US",
                                          "phone": "+12125550000"})
    assert reply.status == 200
    assert reply.body["address"] == "1 Main St, Albany, NY 12207, US"
    assert crm.get("/customers/C005").body["phone"] == "+12125550000"
    refused = crm.patch("/customers/C005", {"email": "ava@elsewhere.com"})
    assert (refused.status, refused.error_code) == (400, "unknown_field")
    assert crm.get("/customers/C005").body["email"] == "ava.johnson@example.com"


def test_newsletter_can_be_switched_on_and_off(crm):
    assert crm.put("/customers/C002/newsletter", {"subscribed": True}).body["newsletter"] is True
    assert crm.put("/customers/C002/newsletter", {"subscribed": False}).body["newsletter"] is False
    reply = crm.put("/customers/C002/newsletter", {"subscribed": "yes"})
    assert (reply.status, reply.error_code) == (400, "invalid_field")


def test_password_reset_link_goes_to_the_email_on_file(crm, outbox):
    reply = crm.post("/customers/C003/password-reset")
    assert reply.body == {"sent_to": "sofia.rossi@example.com", "expires_in_minutes": 60}
    [mail] = outbox("sofia.rossi@example.com")
    assert mail["kind"] == "password_reset"
    assert "reset-password?token=" in mail["body"]


def test_deletion_request_completes_within_30_days_and_keeps_invoices(crm, outbox):
    reply = crm.post("/customers/C004/deletion-request", key="del-c004")
    assert reply.status == 201
    assert reply.body["complete_by"] == (date.today() + timedelta(days=30)).isoformat()
    assert "7 years" in reply.body["retained"]
    assert crm.post("/customers/C004/deletion-request", key="del-c004").body == reply.body
    assert crm.post("/customers/C004/deletion-request").error_code == "deletion_already_requested"
    assert [m["kind"] for m in outbox("liam.chen@example.com")] == ["deletion_confirmation"]


def test_orders_of_a_customer_are_listed_newest_first(crm):
    orders = crm.get(f"/customers/{MAYA}/orders").body["orders"]
    assert [o["id"] for o in orders] == ["10231", "10232", "10233"]
