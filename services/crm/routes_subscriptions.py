"""Billing API (/billing/v1): Harbor Plus subscriptions."""
from __future__ import annotations

from sqlalchemy import select

from services.crm import refunds, rules, store, validation as v, views
from services.crm.clock import today
from services.crm.errors import ApiError, missing_field
from services.crm.models import Subscription
from services.crm.routing import Call, Route
from services.crm.schemas import PAUSE_BODY


def _subscription(call: Call, subscription_id: str) -> Subscription:
    return store.get(call.db, Subscription, subscription_id, "subscription")


def _refuse_if_cancelled(sub: Subscription) -> None:
    if sub.status == "cancelled" or sub.cancel_at:
        raise ApiError(409, "already_cancelled", f"{sub.id} is already cancelled")


def _quote(sub: Subscription) -> dict:
    return rules.cancellation_quote(sub.interval, sub.price, today(), sub.renews_at or today(),
                                    sub.paused_until)


def _quote_view(quote: dict) -> dict:
    return {"fee": views.money(quote["fee"]), "refund_amount": views.money(quote["refund_amount"]),
            "unused_months": quote["unused_months"], "effective_date": views.day(quote["effective_date"])}


def list_subscriptions(call: Call) -> dict:
    customer_id = v.query(call.request, "customer_id")
    if not customer_id:
        raise missing_field("customer_id")
    rows = call.db.execute(select(Subscription).filter_by(customer_id=customer_id)
                           .order_by(Subscription.id)).scalars()
    return {"subscriptions": [views.subscription(s) for s in rows]}


def get_subscription(call: Call, subscription_id: str) -> dict:
    return views.subscription(_subscription(call, subscription_id))


def cancellation_quote(call: Call, subscription_id: str) -> dict:
    sub = _subscription(call, subscription_id)
    _refuse_if_cancelled(sub)
    return _quote_view(_quote(sub))


def cancel_subscription(call: Call, subscription_id: str) -> dict:
    """Annual: ends today, unused months refunded minus the fee. Monthly: no
    fee, no refund, active until the end of the paid month (cancel_at)."""
    sub = _subscription(call, subscription_id)
    _refuse_if_cancelled(sub)
    quote = _quote(sub)
    refund = None
    if sub.interval == "month":
        sub.cancel_at = quote["effective_date"]
    else:
        sub.status, sub.cancel_at, sub.paused_until = "cancelled", quote["effective_date"], None
        if quote["refund_amount"] > 0:
            refund = refunds.create(
                call.db, customer_id=sub.customer_id, amount=quote["refund_amount"],
                reason="cancellation", status=refunds.direct_status(call.db, None, quote["refund_amount"]),
                method=refunds.ORIGINAL_PAYMENT, subscription_id=sub.id)
    sub.renews_at = None  # it will not renew any more
    return {"subscription": views.subscription(sub), **_quote_view(quote),
            "refund": views.refund(refund) if refund else None}


def pause_subscription(call: Call, subscription_id: str) -> dict:
    """Up to 3 months; the paid period moves back by the paused months."""
    months = v.integer(v.json_body(call.request).get("months"), "months")
    sub = _subscription(call, subscription_id)
    if rules.pause_refusal(months):
        raise ApiError(422, "pause_too_long", f"a membership can be paused for at most "
                       f"{rules.MAX_PAUSE_MONTHS} months")
    _refuse_if_cancelled(sub)
    if sub.status == "paused":
        raise ApiError(409, "already_paused", f"{sub.id} is paused until {sub.paused_until}")
    start = today()
    sub.status, sub.paused_until = "paused", rules.add_months(start, months)
    if sub.renews_at:
        sub.renews_at = sub.renews_at + (sub.paused_until - start)
    return views.subscription(sub)


ROUTES = [
    Route("GET", "/subscriptions", list_subscriptions, "A customer's subscriptions",
          query=("customer_id",)),
    Route("GET", "/subscriptions/<subscription_id>", get_subscription, "A subscription"),
    Route("GET", "/subscriptions/<subscription_id>/cancellation-quote", cancellation_quote,
          "What cancelling now would cost and refund", errors=("already_cancelled",)),
    Route("POST", "/subscriptions/<subscription_id>/cancel", cancel_subscription,
          "Cancel (annual: pro rata refund minus 15.00; monthly: active until renews_at)",
          errors=("already_cancelled",)),
    Route("POST", "/subscriptions/<subscription_id>/pause", pause_subscription,
          "Pause for 1 to 3 months", body=PAUSE_BODY,
          errors=("pause_too_long", "already_paused", "already_cancelled")),
]
