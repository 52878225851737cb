"""Creating refunds: shared by returns, order cancellation, subscriptions and
the billing API, so the approval rule and the limits are applied in one place.

Two limits per order: what refunds the order's price (everything but
duplicate-charge refunds) never exceeds its total, and all refunds together
never exceed what was captured. The $500 approval rule counts every refund of
the order.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.crm import rules, store
from services.crm.clock import today
from services.crm.errors import ApiError
from services.crm.models import Order, Payment, Refund

STORE_CREDIT = "Harbor store credit"
ORIGINAL_PAYMENT = "original payment method"
ZERO = Decimal("0.00")


def order_payment_method(db: Session, order_id: Optional[str]) -> str:
    """The card the order was paid with, as billing names it."""
    if order_id:
        payment = db.execute(select(Payment).filter_by(order_id=order_id, duplicate_of=None)
                             .order_by(Payment.captured_at)).scalars().first()
        if payment:
            return payment.method
    return ORIGINAL_PAYMENT


def _sum(db: Session, column, *where) -> Decimal:
    return sum(db.execute(select(column).where(*where)).scalars(), ZERO)


def paid(db: Session, order: Order) -> Decimal:
    """Everything captured for the order, duplicate captures included. Some
    demo orders have no capture on record: they count as paid in full."""
    captured = db.execute(select(func.count()).select_from(Payment)
                          .where(Payment.order_id == order.id)).scalar_one()
    return _sum(db, Payment.amount, Payment.order_id == order.id) if captured else order.total


def refunded_total(db: Session, order_id: Optional[str]) -> Decimal:
    """Every refund of the order, whatever its reason or status, except one a
    person denied (it never gives anything back)."""
    return _sum(db, Refund.amount, Refund.order_id == order_id, Refund.status != "denied") if order_id else ZERO


def refunded_so_far(db: Session, order_id: str) -> Decimal:
    """What the order's own price has given back (duplicate captures and denied refunds aside)."""
    return _sum(db, Refund.amount, Refund.order_id == order_id, Refund.reason != "duplicate_charge",
                Refund.status != "denied")


def still_held(db: Session, order: Order) -> Decimal:
    """What the store holds of the customer's money for this order."""
    return max(paid(db, order) - refunded_total(db, order.id), ZERO)


def remaining_refundable(db: Session, order: Order) -> Decimal:
    """The most a refund of the order's price may still be."""
    return max(min(order.total - refunded_so_far(db, order.id), still_held(db, order)), ZERO)


def refuse_over_refundable(db: Session, order: Order, amount: Decimal) -> None:
    """422 amount_exceeds_paid when `amount` of the order's price cannot be refunded."""
    left = remaining_refundable(db, order)
    if amount > left:
        raise ApiError(422, "amount_exceeds_paid", f"at most {left} of order {order.id} can still be refunded")


def direct_status(db: Session, order_id: Optional[str], amount: Decimal) -> str:
    """issued, or pending_approval once the order's refunds pass $500."""
    return rules.direct_refund_status(refunded_total(db, order_id) + amount)


def return_status(db: Session, order_id: str, amount: Decimal, refund_method: str) -> str:
    return rules.return_refund_status(refunded_total(db, order_id) + amount, refund_method)


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
