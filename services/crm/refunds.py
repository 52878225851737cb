"""Creating refunds: shared by returns, order cancellation, subscriptions and
the billing API, so the approval rule is applied in one place."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crm import rules, store
from services.crm.clock import today
from services.crm.models import Order, Payment, Refund

STORE_CREDIT = "Harbor store credit"
ORIGINAL_PAYMENT = "original payment method"


def order_payment_method(db: Session, order_id: Optional[str]) -> str:
    """The card the order was paid with, as billing names it."""
    if order_id:
        payment = db.execute(select(Payment).filter_by(order_id=order_id, duplicate_of=None)
                             .order_by(Payment.captured_at)).scalars().first()
        if payment:
            return payment.method
    return ORIGINAL_PAYMENT


def refunded_so_far(db: Session, order_id: str) -> Decimal:
    """What the order's own price has given back (duplicate captures aside)."""
    amounts = db.execute(select(Refund.amount).where(
        Refund.order_id == order_id, Refund.reason != "duplicate_charge")).scalars()
    return sum(amounts, Decimal("0.00"))


def remaining_refundable(db: Session, order: Order) -> Decimal:
    return max(order.total - refunded_so_far(db, order.id), Decimal("0.00"))


def create(db: Session, *, customer_id: str, amount: Decimal, reason: str, status: str,
           method: str, order_id: Optional[str] = None, **links: Optional[str]) -> Refund:
    """`links`: payment_id, subscription_id or rma the refund belongs to."""
    refund = Refund(
        id=store.next_id(db, Refund.id, "R-", 4, 5001), order_id=order_id,
        customer_id=customer_id, amount=rules.money(amount), method=method, status=status,
        reason=reason, created_at=today(),
        # Store credit lands in the account at once; cards take 5-7 business days.
        expected_business_days="0" if method == STORE_CREDIT else "5-7", **links)
    db.add(refund)
    db.flush()
    return refund
