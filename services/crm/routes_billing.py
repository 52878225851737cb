"""Billing API (/billing/v1): payments, refunds, invoices, payment methods.
Subscriptions live in routes_subscriptions.py."""
from __future__ import annotations

from typing import Dict

from sqlalchemy import select

from services.crm import links, outbox, refunds, store, validation as v, views
from services.crm.errors import ApiError, missing_field
from services.crm.models import Customer, Invoice, Order, Payment, Refund, Return
from services.crm.routing import Call, Route
from services.crm.schemas import APPROVE_BODY, REFUND_BODY, REFUND_REASONS

PAYMENT_METHODS = ["Visa", "Mastercard", "American Express", "PayPal", "Apple Pay",
                   "Harbor gift card"]


def _by_order_or_customer(call: Call, model, key: str, view) -> Dict:
    """GET lists filtered by ?order_id= or ?customer_id= (one is required)."""
    order_id, customer_id = v.query(call.request, "order_id"), v.query(call.request, "customer_id")
    if not (order_id or customer_id):
        raise ApiError(400, "missing_query", "order_id or customer_id is required")
    stmt = select(model).order_by(model.id)
    if order_id:
        stmt = stmt.where(model.order_id == order_id)
    if customer_id:
        stmt = stmt.where(model.customer_id == customer_id)
    return {key: [view(row) for row in call.db.execute(stmt).scalars()]}


def list_payments(call: Call) -> dict:
    return _by_order_or_customer(call, Payment, "payments", views.payment)


def list_refunds(call: Call) -> dict:
    return _by_order_or_customer(call, Refund, "refunds", views.refund)


def get_refund(call: Call, refund_id: str) -> dict:
    return views.refund(store.get(call.db, Refund, refund_id, "refund"))


def _duplicate_charge(call: Call, data: Dict, order: Order) -> Refund:
    """A duplicate capture is refunded in full, once."""
    payment_id = v.ident(data, "payment_id")
    payment = store.get(call.db, Payment, payment_id, "payment")
    if payment.order_id != order.id:
        raise ApiError(422, "payment_not_on_order", f"{payment_id} is not a payment for order {order.id}")
    if not payment.duplicate_of:
        raise ApiError(422, "not_a_duplicate", f"{payment_id} is the order's original capture")
    if payment.status == "refunded":
        raise ApiError(409, "already_refunded", f"{payment_id} was already refunded")
    if data.get("amount") is not None and v.amount(data["amount"]) != payment.amount:
        raise ApiError(422, "amount_mismatch", f"a duplicate charge is refunded in full: {payment.amount}")
    payment.status = "refunded"
    return refunds.create(call.db, customer_id=order.customer_id, order_id=order.id,
                          amount=payment.amount, reason="duplicate_charge",
                          status=refunds.direct_status(call.db, order.id, payment.amount),
                          method=payment.method, payment_id=payment.id)


def create_refund(call: Call) -> dict:
    data = v.json_body(call.request)
    order_id = v.ident(data, "order_id")
    reason = v.choice(data, "reason", REFUND_REASONS)
    if reason != "duplicate_charge" and data.get("amount") is None:
        raise missing_field("amount")
    order = store.get(call.db, Order, order_id, "order")
    if reason == "duplicate_charge":
        return views.refund(_duplicate_charge(call, data, order))
    amount = v.amount(data["amount"])
    refunds.refuse_over_refundable(call.db, order, amount)
    return views.refund(refunds.create(
        call.db, customer_id=order.customer_id, order_id=order.id, amount=amount, reason=reason,
        status=refunds.direct_status(call.db, order.id, amount),
        method=refunds.order_payment_method(call.db, order.id)))


def approve_refund(call: Call, refund_id: str) -> dict:
    """An agent approves a refund over $500. A card refund for a return still
    waits for the item; everything else is issued now."""
    agent = v.text(v.json_body(call.request), "agent", required=False, max_len=100)
    refund = store.get(call.db, Refund, refund_id, "refund")
    if refund.approved_by and refund.status in ("issued", "awaiting_item"):
        return views.refund(refund)  # approved already: a retried approval changes nothing
    if refund.status != "pending_approval":
        raise ApiError(409, "not_pending_approval", f"{refund_id} is {refund.status}")
    waiting = refund.rma and refund.method != refunds.STORE_CREDIT and not _received(call, refund.rma)
    refund.status, refund.approved_by = ("awaiting_item" if waiting else "issued"), agent or "agent"
    return views.refund(refund)


def deny_refund(call: Call, refund_id: str) -> dict:
    """An agent turns down a refund over $500: it is never issued. Idempotent."""
    agent = v.text(v.json_body(call.request), "agent", required=False, max_len=100)
    refund = store.get(call.db, Refund, refund_id, "refund")
    if refund.status == "denied":
        return views.refund(refund)
    if refund.status != "pending_approval":
        raise ApiError(409, "not_pending_approval", f"{refund_id} is {refund.status}")
    refund.status, refund.approved_by = "denied", f"denied by {agent or 'agent'}"
    return views.refund(refund)


def _received(call: Call, rma: str) -> bool:
    ret = call.db.get(Return, rma)
    return bool(ret and ret.status == "received")


def _pdf_url(call: Call, invoice: Invoice) -> str:
    return links.signed_url(call, f"/invoices/{invoice.id}.pdf")


def list_invoices(call: Call) -> dict:
    return _by_order_or_customer(call, Invoice, "invoices", lambda i: views.invoice(i, _pdf_url(call, i)))


def get_invoice(call: Call, invoice_id: str) -> dict:
    invoice = store.get(call.db, Invoice, invoice_id, "invoice")
    return views.invoice(invoice, _pdf_url(call, invoice))


def email_invoice(call: Call, invoice_id: str) -> dict:
    invoice = store.get(call.db, Invoice, invoice_id, "invoice")
    customer = store.get(call.db, Customer, invoice.customer_id, "customer")
    outbox.send(call.db, customer.email, "invoice_copy", f"Your invoice {invoice.id}",
                f"Your invoice for order {invoice.order_id} ({views.money(invoice.amount)} USD): "
                + _pdf_url(call, invoice))
    return {"sent_to": customer.email}


def payment_methods(call: Call) -> dict:
    return {"methods": PAYMENT_METHODS}


ROUTES = [
    Route("GET", "/payments", list_payments,
          "Payments of an order or customer; duplicate_of names an earlier capture of the same order",
          query=("order_id", "customer_id")),
    Route("GET", "/refunds/<refund_id>", get_refund, "A refund"),
    Route("GET", "/refunds", list_refunds, "Refunds of an order or customer",
          query=("order_id", "customer_id")),
    Route("POST", "/refunds", create_refund,
          "Create a refund; over 500.00 it waits for approval; duplicate_charge refunds a "
          "duplicate capture in full", status=201, body=REFUND_BODY,
          errors=("already_refunded", "not_a_duplicate", "payment_not_on_order",
                  "amount_mismatch", "amount_exceeds_paid")),
    Route("POST", "/refunds/<refund_id>/approve", approve_refund,
          "Agent approval of a pending_approval refund (again: the approved refund, unchanged)",
          body=APPROVE_BODY, errors=("not_pending_approval",)),
    Route("POST", "/refunds/<refund_id>/deny", deny_refund,
          "Agent refusal of a pending_approval refund: status denied, never issued (idempotent)",
          body=APPROVE_BODY, errors=("not_pending_approval",)),
    Route("GET", "/invoices/<invoice_id>", get_invoice, "An invoice"),
    Route("GET", "/invoices", list_invoices, "Invoices of an order or customer",
          query=("order_id", "customer_id")),
    Route("POST", "/invoices/<invoice_id>/email", email_invoice,
          "Email a copy of the invoice to the customer's email on file"),
    Route("GET", "/payment-methods", payment_methods, "Accepted payment methods"),
]
