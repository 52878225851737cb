"""Money going back: never more than was paid, never less, and the $500
approval rule on the order's total refunded."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.crm.models import Payment
from tests.support.crm import start_demo_crm


def _add_double_capture(db_path) -> None:
    """Order 10234 (processing, 60.00) charged twice: 120.00 paid."""
    engine = create_engine(f"sqlite:///{db_path}", future=True)
    with Session(engine, future=True) as db:
        for ident, duplicate_of in (("P-9101", None), ("P-9102", "P-9101")):
            db.add(Payment(id=ident, order_id="10234", customer_id="C002", amount=Decimal("60.00"),
                           method="Visa ending 0404", status="captured", captured_at=date.today(),
                           duplicate_of=duplicate_of))
        db.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def demo_crm(tmp_path_factory):
    """The seed plus a double capture this module owns (the seed loads on the
    first start; the rows are added while the service is down)."""
    tmp = tmp_path_factory.mktemp("refund_limits")
    start_demo_crm(tmp).stop()
    _add_double_capture(tmp / "demo_crm.db")
    srv = start_demo_crm(tmp)
    yield srv
    srv.stop()


def _refunded(billing, order_id: str) -> Decimal:
    refunds = billing.get("/refunds", params={"order_id": order_id}).body["refunds"]
    return sum((Decimal(r["amount"]) for r in refunds), Decimal("0.00"))


def test_cancelling_a_double_charged_order_refunds_everything_paid(crm, billing):
    cancelled = crm.post("/orders/10234/cancel")
    assert cancelled.status == 200, cancelled.body
    assert cancelled.body["refund"]["amount"] == "120.00"
    duplicate = billing.post("/refunds", {"order_id": "10234", "reason": "duplicate_charge",
                                          "payment_id": "P-9102"})
    assert (duplicate.status, duplicate.error_code) == (409, "already_refunded")
    assert _refunded(billing, "10234") == Decimal("120.00")


def test_split_goodwill_refunds_over_500_wait_for_approval(billing):
    body = {"order_id": "10239", "amount": "374.50", "reason": "goodwill"}
    first = billing.post("/refunds", body).body
    second = billing.post("/refunds", body).body
    assert (first["status"], second["status"]) == ("issued", "pending_approval")


def test_a_refund_never_takes_the_order_above_what_was_paid(crm, billing):
    """A return after a goodwill refund of the whole order gives nothing more back."""
    assert billing.post("/refunds", {"order_id": "10232", "amount": "145.00", "reason": "goodwill"}).status == 201
    body = {"order_id": "10232", "items": [{"sku": "TOTE-01", "qty": 1}], "reason": "too small",
            "condition": "damaged", "refund_method": "original_payment"}
    reply = crm.post("/returns", body)
    assert (reply.status, reply.error_code) == (422, "amount_exceeds_paid")
    assert _refunded(billing, "10232") == Decimal("145.00")
