"""Returns: the return rules, refund methods, approval, idempotency, labels."""
import re
from urllib.parse import urlparse

import pytest


def a_return(order_id, *items, condition="none", refund_method="original_payment", reason="changed my mind"):
    return {"order_id": order_id, "items": [{"sku": sku, "qty": qty} for sku, qty in items],
            "reason": reason, "condition": condition, "refund_method": refund_method}


def refunds_of(billing, order_id):
    return billing.get("/refunds", params={"order_id": order_id}).body["refunds"]


@pytest.mark.parametrize("order_id,sku,code", [
    ("10233", "LAN-200", "return_window_expired"),  # delivered 45 days ago
    ("10235", "JKT-CLR", "final_sale"),
    ("10231", "BAG-028", "not_delivered"),  # shipped, on its way
    ("10237", "KIT-SET", "not_delivered"),  # cancelled
])
def test_returns_that_break_a_rule_are_refused_with_422(crm, order_id, sku, code):
    reply = crm.post("/returns", a_return(order_id, (sku, 1)))
    assert (reply.status, reply.error_code) == (422, code)
    quote = crm.get("/returns/quote", params={"order_id": order_id, "skus": sku, "condition": "none",
                                              "refund_method": "store_credit"})
    assert (quote.status, quote.error_code) == (422, code)


def test_items_not_in_the_order_or_more_than_ordered_are_400(crm):
    assert crm.post("/returns", a_return("10238", ("TOTE-01", 1))).error_code == "unknown_item"
    reply = crm.post("/returns", a_return("10238", ("ESP-300", 2)))
    assert (reply.status, reply.error_code) == (400, "invalid_field")


@pytest.mark.parametrize("field", ["order_id", "items", "reason", "condition", "refund_method"])
def test_a_return_missing_a_field_names_it(crm, field):
    body = a_return("10238", ("ESP-300", 1))
    del body[field]
    reply = crm.post("/returns", body)
    assert (reply.status, reply.error_code) == (400, "missing_field")
    assert reply.body["error"]["message"].startswith(field)


def test_invalid_condition_and_refund_method_are_400(crm):
    assert crm.post("/returns", a_return("10238", ("ESP-300", 1), condition="meh")).status == 400
    assert crm.post("/returns", a_return("10238", ("ESP-300", 1), refund_method="cash")).status == 400


def test_quote_matches_the_return_and_creates_nothing(crm, billing):
    quote = crm.get("/returns/quote", params={"order_id": "10240", "skus": "EAR-W2",
                                              "condition": "damaged", "refund_method": "store_credit"})
    assert quote.status == 200
    assert (quote.body["fee"], quote.body["store_credit_bonus"], quote.body["refund_amount"]) \
        == ("0.00", "12.90", "141.90")
    assert refunds_of(billing, "10240") == []
    created = crm.post("/returns", a_return("10240", ("EAR-W2", 1), condition="damaged",
                                            refund_method="store_credit"))
    assert created.status == 201
    for field in ("fee", "store_credit_bonus", "refund_amount"):
        assert created.body[field] == quote.body[field]


def test_store_credit_is_issued_at_once_with_the_bonus(crm, billing):
    [refund] = refunds_of(billing, "10240")  # created by the test above
    assert (refund["status"], refund["amount"], refund["expected_business_days"]) == ("issued", "141.90", "0")


def test_card_refund_waits_for_the_item_and_pays_minus_the_fee(crm, billing):
    created = crm.post("/returns", a_return("10232", ("SWT-MER-M", 1)))
    assert created.status == 201
    body = created.body
    assert re.fullmatch(r"RMA-[A-Z0-9]{6}", body["rma"])
    assert (body["fee"], body["refund_amount"], body["store_credit_bonus"]) == ("6.95", "113.05", "0.00")
    assert body["refund"]["status"] == "awaiting_item"
    received = crm.post(f"/returns/{body['rma']}/receive")
    assert received.body["status"] == "received"
    assert billing.get(f"/refunds/{body['refund']['id']}").body["status"] == "issued"
    assert crm.post(f"/returns/{body['rma']}/receive").error_code == "already_received"


def test_retrying_with_the_same_key_returns_the_same_rma_and_refunds_once(crm, billing, outbox):
    body = a_return("10232", ("TOTE-01", 1), condition="wrong_item")
    labels_before = len(outbox("maya.patel@example.com"))
    first = crm.post("/returns", body, key="return-tote-1")
    again = crm.post("/returns", body, key="return-tote-1")
    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    assert again.headers.get("idempotent-replayed") == "true"
    assert first.body["fee"] == "0.00"
    assert [r["rma"] for r in refunds_of(billing, "10232")].count(first.body["rma"]) == 1
    assert len(outbox("maya.patel@example.com")) == labels_before + 1
    reused = crm.post("/returns", {**body, "reason": "other"}, key="return-tote-1")
    assert (reused.status, reused.error_code) == (422, "idempotency_key_reused")
    twice = crm.post("/returns", body, key="return-tote-2")
    assert (twice.status, twice.error_code) == (422, "already_returned")


def test_label_is_emailed_and_served_as_a_pdf(crm, root, outbox):
    created = crm.post("/returns", a_return("10238", ("ESP-300", 1), condition="defective")).body
    assert created["label_sent_to"] == "liam.chen@example.com"
    assert created["label_url"].endswith(f"/labels/{created['rma']}.pdf")
    mails = [m for m in outbox("liam.chen@example.com") if m["kind"] == "return_label"]
    assert created["label_url"] in mails[-1]["body"]
    pdf = root.get(urlparse(created["label_url"]).path, token=None)
    assert pdf.status == 200
    assert pdf.raw.startswith(b"%PDF") and created["rma"].encode() in pdf.raw
    assert crm.get(f"/returns/{created['rma']}").body == created


def test_refund_over_500_waits_for_an_agent_then_for_the_item(crm, billing):
    created = crm.post("/returns", a_return("10239", ("DSK-STD", 1))).body
    refund = created["refund"]
    assert (refund["amount"], refund["status"]) == ("742.05", "pending_approval")
    approved = billing.post(f"/refunds/{refund['id']}/approve", {"agent": "jo"})
    assert approved.body["status"] == "awaiting_item"
    again = billing.post(f"/refunds/{refund['id']}/approve")  # a retried approval: same answer
    assert (again.status, again.body["status"]) == (200, "awaiting_item")
    assert billing.post(f"/refunds/{refund['id']}/deny").error_code == "not_pending_approval"
    crm.post(f"/returns/{created['rma']}/receive")
    assert billing.get(f"/refunds/{refund['id']}").body["status"] == "issued"
