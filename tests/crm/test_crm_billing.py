"""Billing: duplicate captures, refunds and their approval, invoices."""
import re
from datetime import date, timedelta


def test_a_duplicate_capture_names_the_earlier_one(billing):
    payments = billing.get("/payments", params={"order_id": "10238"}).body["payments"]
    assert [(p["id"], p["duplicate_of"]) for p in payments] == [("P-9001", None), ("P-9002", "P-9001")]
    assert payments[0]["captured_at"] == (date.today() - timedelta(days=8)).isoformat()


def test_a_duplicate_charge_is_refunded_in_full_once(billing):
    body = {"order_id": "10238", "reason": "duplicate_charge", "payment_id": "P-9002"}
    refund = billing.post("/refunds", body)
    assert refund.status == 201
    assert (refund.body["amount"], refund.body["status"], refund.body["reason"]) \
        == ("349.00", "issued", "duplicate_charge")
    again = billing.post("/refunds", body)
    assert (again.status, again.error_code) == (409, "already_refunded")
    statuses = {p["id"]: p["status"] for p in billing.get("/payments", params={"order_id": "10238"}).body["payments"]}
    assert statuses == {"P-9001": "captured", "P-9002": "refunded"}


def test_only_a_duplicate_capture_can_be_refunded_as_a_duplicate_charge(billing):
    original = billing.post("/refunds", {"order_id": "10238", "reason": "duplicate_charge", "payment_id": "P-9001"})
    assert (original.status, original.error_code) == (422, "not_a_duplicate")
    other_order = billing.post("/refunds", {"order_id": "10239", "reason": "duplicate_charge", "payment_id": "P-9002"})
    assert other_order.error_code == "payment_not_on_order"
    unnamed = billing.post("/refunds", {"order_id": "10238", "reason": "duplicate_charge"})
    assert (unnamed.status, unnamed.error_code) == (400, "missing_field")


def test_refund_over_500_is_pending_until_an_agent_approves(billing):
    refund = billing.post("/refunds", {"order_id": "10239", "amount": "500.01", "reason": "goodwill"}).body
    assert refund["status"] == "pending_approval"
    approved = billing.post(f"/refunds/{refund['id']}/approve", {"agent": "sam"})
    assert (approved.status, approved.body["status"]) == (200, "issued")
    # The rule counts the order's total refunded: the order is over 500.00 already.
    small = billing.post("/refunds", {"order_id": "10239", "amount": "20.00", "reason": "goodwill"}).body
    assert small["status"] == "pending_approval"


def test_a_denied_refund_is_never_issued_and_gives_the_order_nothing_back(billing):
    # After the test above, 10239 has refunds over 500.00 (any new one waits) and
    # can give back at most what is left of its 749.00.
    left = billing.post("/refunds", {"order_id": "10239", "amount": "999.00", "reason": "goodwill"})
    most = left.body["error"]["message"].split("at most ")[1].split(" ")[0]
    refund = billing.post("/refunds", {"order_id": "10239", "amount": most, "reason": "goodwill"}).body
    assert refund["status"] == "pending_approval"
    denied = billing.post(f"/refunds/{refund['id']}/deny", {"agent": "sam"})
    assert (denied.status, denied.body["status"]) == (200, "denied")
    assert billing.post(f"/refunds/{refund['id']}/deny").body["status"] == "denied"  # idempotent
    assert billing.post(f"/refunds/{refund['id']}/approve").error_code == "not_pending_approval"
    # the denied refund never left: the same amount can still be refunded
    again = billing.post("/refunds", {"order_id": "10239", "amount": most, "reason": "goodwill"})
    assert again.status == 201, again.body


def test_refunds_cannot_exceed_what_the_order_paid(billing):
    # 10237 was cancelled and its 75.50 already refunded (R-5001).
    reply = billing.post("/refunds", {"order_id": "10237", "amount": "1.00", "reason": "goodwill"})
    assert (reply.status, reply.error_code) == (422, "amount_exceeds_paid")


def test_refund_fields_are_validated(billing):
    base = {"order_id": "10240", "amount": "10.00", "reason": "goodwill"}
    for change in ({"amount": "-1"}, {"amount": "1.234"}, {"amount": "ten"}, {"reason": "because"}):
        reply = billing.post("/refunds", {**base, **change})
        assert (reply.status, reply.error_code) == (400, "invalid_field"), change
        assert list(change)[0] in reply.body["error"]["message"]
    assert billing.post("/refunds", {**base, "order_id": "00000"}).status == 404


def test_a_retried_refund_is_created_once(billing):
    body = {"order_id": "10240", "amount": "10.00", "reason": "goodwill"}
    first = billing.post("/refunds", body, key="goodwill-10240")
    again = billing.post("/refunds", body, key="goodwill-10240")
    assert again.body == first.body
    refunds = billing.get("/refunds", params={"order_id": "10240"}).body["refunds"]
    assert [r["id"] for r in refunds] == [first.body["id"]]


def test_seeded_refund_is_listed_by_customer(billing):
    refunds = billing.get("/refunds", params={"customer_id": "C003"}).body["refunds"]
    assert [(r["id"], r["status"], r["expected_business_days"]) for r in refunds] == [("R-5001", "processing", "5-7")]
    assert billing.get("/refunds").error_code == "missing_query"


def test_invoice_copy_is_emailed_to_the_email_on_file(billing, root, outbox):
    invoice = billing.get("/invoices/INV-10235").body
    assert (invoice["amount"], invoice["status"], invoice["order_id"]) == ("40.00", "paid", "10235")
    reply = billing.post("/invoices/INV-10235/email")
    assert reply.body == {"sent_to": "daniel.okafor@example.com"}
    [mail] = outbox("daniel.okafor@example.com")
    assert mail["kind"] == "invoice_copy"
    [link] = re.findall(r"http\S+/invoices/INV-10235\.pdf\?\S+", mail["body"])
    assert root.get(link.removeprefix(root.base_url), token=None).raw.startswith(b"%PDF")


def test_invoices_are_listed_by_customer(billing):
    invoices = billing.get("/invoices", params={"customer_id": "C004"}).body["invoices"]
    assert [i["id"] for i in invoices] == ["INV-10238", "INV-10240"]


def test_payment_methods_are_the_accepted_ones(billing):
    assert billing.get("/payment-methods").body["methods"] == [
        "Visa", "Mastercard", "American Express", "PayPal", "Apple Pay", "Harbor gift card"]
