"""CRM API (/crm/v1): returns, their quote, and the warehouse receiving them."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Dict, List, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crm import outbox, refunds, rules, store, validation as v, views
from services.crm.clock import today
from services.crm.errors import ApiError, invalid_field, missing_field
from services.crm.models import Customer, Order, Return, ReturnItem
from services.crm.routing import Call, Route
from services.crm.schemas import RETURN_BODY

Wanted = List[Tuple[str, int, str]]  # (sku, qty, field name for errors)


def _items_from_body(data: Dict) -> Wanted:
    items = data.get("items")
    if items is None:
        raise missing_field("items")
    if not isinstance(items, list) or not items:
        raise invalid_field("items", "must be a non-empty list of {sku, qty}")
    wanted = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid_field(f"items[{n}]", "must be an object {sku, qty}")
        wanted.append((v.text(item, "sku", max_len=64), v.integer(item.get("qty", 1), f"items[{n}].qty"),
                       f"items[{n}]"))
    return wanted


def _items_from_query(skus: str) -> Wanted:
    """`skus=A,B` (one of each) or `skus=A:2,B`."""
    wanted = []
    for n, part in enumerate(p.strip() for p in skus.split(",")):
        sku, _, qty = part.partition(":")
        if not sku:
            raise invalid_field("skus", "a comma-separated list of SKUs (SKU or SKU:qty)")
        if qty and not qty.isdigit():
            raise invalid_field("skus", f"{part}: quantity must be a whole number")
        wanted.append((sku.strip(), v.integer(int(qty) if qty else 1, f"skus[{n}]"), f"skus[{n}]"))
    return wanted


def _returned_qty(db: Session, order_id: str) -> Counter:
    rows = db.execute(select(ReturnItem.sku, ReturnItem.qty).join(Return, Return.rma == ReturnItem.rma)
                      .where(Return.order_id == order_id))
    counts: Counter = Counter()
    for sku, qty in rows:
        counts[sku] += qty
    return counts


def _check_items(db: Session, order: Order, wanted: Wanted) -> List[Tuple]:
    """Applies the item rules; returns [(order_item, qty)]."""
    lines = {i.sku: i for i in order.items}
    qty_by_sku: Counter = Counter()
    for sku, qty, field in wanted:
        if sku not in lines:
            raise ApiError(400, "unknown_item", f"{field}: order {order.id} has no item {sku!r}")
        qty_by_sku[sku] += qty
    for sku in qty_by_sku:
        if lines[sku].product.final_sale:
            raise ApiError(422, "final_sale", f"{lines[sku].product.name} was sold as final sale")
    returned = _returned_qty(db, order.id)
    for sku, qty in qty_by_sku.items():
        left = lines[sku].qty - returned[sku]
        if qty > left and returned[sku]:
            raise ApiError(422, "already_returned", f"{sku}: {returned[sku]} already returned, {left} left")
        if qty > left:
            raise invalid_field("qty", f"{sku}: the order has only {left}")
    return [(lines[sku], qty) for sku, qty in qty_by_sku.items()]


def _assess(db: Session, order_id: str, wanted: Wanted, condition: str, refund_method: str):
    order = store.get(db, Order, order_id, "order")
    refusal = rules.return_refusal(order.status, order.delivered_at, today())
    if refusal == "not_delivered":
        raise ApiError(422, refusal, f"order {order.id} is {order.status}, not delivered")
    if refusal:
        ends = rules.return_window_ends(order.delivered_at).isoformat()
        raise ApiError(422, refusal, f"the 30-day return window ended on {ends}")
    lines = _check_items(db, order, wanted)
    total = sum((line.price * qty for line, qty in lines), Decimal("0.00"))
    amounts = rules.return_amounts(total, condition, refund_method)
    # The store-credit bonus is the store's gift, not the customer's money coming back.
    refunds.refuse_over_refundable(db, order, amounts["refund_amount"] - amounts["store_credit_bonus"])
    return order, lines, total, amounts


def _choices(data: Dict) -> Tuple[str, str]:
    return (v.choice(data, "condition", rules.RETURN_CONDITIONS),
            v.choice(data, "refund_method", rules.REFUND_METHODS))


def quote_return(call: Call) -> dict:
    args = {k: v.query(call.request, k) for k in ("order_id", "skus", "condition", "refund_method")}
    for name, value in args.items():
        if value is None:
            raise missing_field(name)
    condition, method = _choices(args)
    order, lines, total, amounts = _assess(call.db, args["order_id"], _items_from_query(args["skus"]),
                                           condition, method)
    return {"order_id": order.id, "condition": condition, "refund_method": method,
            "items": [{"sku": line.sku, "name": line.product.name, "qty": qty,
                       "price": views.money(line.price)} for line, qty in lines],
            "items_total": views.money(total), **{k: views.money(a) for k, a in amounts.items()},
            "refund_status": refunds.return_status(call.db, order.id, amounts["refund_amount"], method),
            "return_window_ends": views.day(rules.return_window_ends(order.delivered_at))}


def create_return(call: Call) -> dict:
    data = v.json_body(call.request)
    order_id, wanted = v.ident(data, "order_id"), _items_from_body(data)
    reason = v.text(data, "reason")
    condition, method = _choices(data)
    order, lines, total, amounts = _assess(call.db, order_id, wanted, condition, method)
    customer = store.get(call.db, Customer, order.customer_id, "customer")
    rma = store.new_rma(call.db)
    label_url = f"{call.base_url}/labels/{rma}.pdf"
    refund = refunds.create(
        call.db, customer_id=order.customer_id, order_id=order.id, rma=rma, reason="return",
        amount=amounts["refund_amount"],
        status=refunds.return_status(call.db, order.id, amounts["refund_amount"], method),
        method=refunds.STORE_CREDIT if method == "store_credit" else refunds.order_payment_method(call.db, order.id))
    ret = Return(rma=rma, order_id=order.id, customer_id=order.customer_id, reason=reason,
                 condition=condition, refund_method=method, items_total=total, label_url=label_url,
                 label_sent_to=customer.email, status="label_sent", created_at=today(),
                 refund_id=refund.id, refund=refund, **amounts)
    ret.items = [ReturnItem(sku=line.sku, name=line.product.name, qty=qty, price=line.price)
                 for line, qty in lines]
    call.db.add(ret)
    outbox.send(call.db, customer.email, "return_label", f"Your return label for {rma}",
                f"Print the prepaid label {label_url} and attach it to the parcel for order {order.id}.")
    call.db.flush()
    return views.return_(ret)


def get_return(call: Call, rma: str) -> dict:
    return views.return_(store.get(call.db, Return, rma, "return"))


def receive_return(call: Call, rma: str) -> dict:
    """The parcel reached the warehouse: a card refund waiting for it is issued."""
    ret = store.get(call.db, Return, rma, "return")
    if ret.status == "received":
        raise ApiError(409, "already_received", f"{rma} was received on {ret.received_at.isoformat()}")
    ret.status, ret.received_at = "received", today()
    if ret.refund and ret.refund.status == "awaiting_item":
        ret.refund.status = "issued"
    return views.return_(ret)


ROUTES = [
    Route("GET", "/returns/quote", quote_return,
          "What a return would refund, without creating it (skus=A,B or A:2)",
          query=("order_id", "skus", "condition", "refund_method"),
          errors=("not_delivered", "return_window_expired", "final_sale", "already_returned",
                  "unknown_item", "amount_exceeds_paid")),
    Route("POST", "/returns", create_return,
          "Create a return: RMA, prepaid label emailed to the customer, and the refund",
          status=201, body=RETURN_BODY,
          errors=("not_delivered", "return_window_expired", "final_sale", "already_returned",
                  "unknown_item", "amount_exceeds_paid")),
    Route("GET", "/returns/<rma>", get_return, "A return"),
    Route("POST", "/returns/<rma>/receive", receive_return,
          "Demo: the item reached the warehouse (issues an awaiting_item refund)",
          errors=("already_received",)),
]
