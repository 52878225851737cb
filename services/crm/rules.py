"""The store's enforced policy rules (knowledge/harbor_policies.md) as pure functions.

No database, no HTTP: routes gather the facts and ask these functions, so each
rule lives in exactly one place and can be read next to the policy text.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

CENT = Decimal("0.01")
RETURN_WINDOW_DAYS = 30
RETURN_SHIPPING_FEE = Decimal("6.95")
FREE_RETURN_CONDITIONS = frozenset({"damaged", "defective", "wrong_item"})
RETURN_CONDITIONS = FREE_RETURN_CONDITIONS | {"none"}
REFUND_METHODS = frozenset({"original_payment", "store_credit"})
STORE_CREDIT_BONUS_RATE = Decimal("0.10")
APPROVAL_THRESHOLD = Decimal("500.00")
ANNUAL_EARLY_CANCEL_FEE = Decimal("15.00")
MAX_PAUSE_MONTHS = 3
PASSWORD_RESET_MINUTES = 60
DELETION_DAYS = 30


def money(value: Decimal) -> Decimal:
    """Rounds to cents the way a till does (half up), never banker's rounding."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """Same day of month `months` later, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- returns ------------------------------------------------------------------

def return_window_ends(delivered_at: Optional[date]) -> Optional[date]:
    return delivered_at + timedelta(days=RETURN_WINDOW_DAYS) if delivered_at else None


def return_refusal(status: str, delivered_at: Optional[date], today: date) -> Optional[str]:
    """Why an order cannot be returned at all (error code), or None if it can."""
    if status != "delivered" or delivered_at is None:
        return "not_delivered"
    if today > return_window_ends(delivered_at):
        return "return_window_expired"
    return None


def return_fee(condition: str) -> Decimal:
    """Return shipping is free only when the store got it wrong."""
    return Decimal("0.00") if condition in FREE_RETURN_CONDITIONS else RETURN_SHIPPING_FEE


def return_amounts(items_total: Decimal, condition: str, refund_method: str) -> dict:
    """fee, store-credit bonus (10% of what is left after the fee) and refund."""
    fee = min(return_fee(condition), items_total)
    net = items_total - fee
    bonus = money(net * STORE_CREDIT_BONUS_RATE) if refund_method == "store_credit" else Decimal("0.00")
    return {"fee": money(fee), "store_credit_bonus": bonus, "refund_amount": money(net + bonus)}


# --- refunds ------------------------------------------------------------------

def needs_approval(refunded_with_this: Decimal) -> bool:
    """A human agent approves a refund once the total refunded on its order,
    this refund included, is above $500 (not at): splitting a refund in two
    does not get round the rule."""
    return refunded_with_this > APPROVAL_THRESHOLD


def return_refund_status(refunded_with_this: Decimal, refund_method: str) -> str:
    """Store credit is issued at once; card refunds wait for the item."""
    if needs_approval(refunded_with_this):
        return "pending_approval"
    return "issued" if refund_method == "store_credit" else "awaiting_item"


def direct_refund_status(refunded_with_this: Decimal) -> str:
    """Refunds that wait for nothing (duplicate charge, cancellation, goodwill)."""
    return "pending_approval" if needs_approval(refunded_with_this) else "issued"


# --- orders -------------------------------------------------------------------

def order_change_refusal(status: str) -> Optional[str]:
    """Cancelling or re-addressing is possible only before the order ships."""
    if status == "cancelled":
        return "order_already_cancelled"
    if status in ("shipped", "delivered"):
        return "order_already_shipped"
    return None


# --- subscriptions --------------------------------------------------------------

def unused_whole_months(today: date, renews_at: date) -> int:
    """Whole calendar months between today and the renewal date."""
    months = 0
    while add_months(today, months + 1) <= renews_at:
        months += 1
    return months


def paid_through(renews_at: date, paused_until: Optional[date], today: date) -> date:
    """When the paid time runs out if it were used from today on.

    A pause starts on the day it is asked for and moves renews_at back by its
    length; the paused days still ahead were never paid for, so they are taken
    off again (otherwise a pause would grow the refund)."""
    if paused_until and paused_until > today:
        return renews_at - (paused_until - today)
    return renews_at


def cancellation_quote(interval: str, price: Decimal, today: date, renews_at: date,
                       paused_until: Optional[date] = None) -> dict:
    """Monthly: free, active to the end of the paid month. Annual: the paid,
    unused whole months pro rata, minus $15."""
    if interval == "month":
        return {"fee": Decimal("0.00"), "refund_amount": Decimal("0.00"),
                "unused_months": 0, "effective_date": renews_at}
    unused = unused_whole_months(today, paid_through(renews_at, paused_until, today))
    refund = max(money(price / 12 * unused) - ANNUAL_EARLY_CANCEL_FEE, Decimal("0.00"))
    return {"fee": ANNUAL_EARLY_CANCEL_FEE, "refund_amount": money(refund),
            "unused_months": unused, "effective_date": today}


def pause_refusal(months: int) -> Optional[str]:
    return "pause_too_long" if months > MAX_PAUSE_MONTHS else None
