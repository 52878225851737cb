"""Rows to JSON-ready dicts: dates as YYYY-MM-DD, money as "89.00"."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Dict, Optional

from services.crm import models as m
from services.crm import rules

Json = Dict[str, Any]


def money(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else f"{rules.money(Decimal(value)):.2f}"


def day(value: Optional[date]) -> Optional[str]:
    return value.isoformat() if value else None


def customer(c: m.Customer) -> Json:
    return {"id": c.id, "name": c.name, "email": c.email, "phone": c.phone,
            "messenger_psid": c.messenger_psid, "address": c.address,
            "newsletter": c.newsletter, "created_at": day(c.created_at)}


def order(o: m.Order) -> Json:
    return {
        "id": o.id, "customer_id": o.customer_id, "status": o.status,
        "placed_at": day(o.placed_at), "shipped_at": day(o.shipped_at),
        "delivered_at": day(o.delivered_at), "estimated_delivery": day(o.estimated_delivery),
        "carrier": o.carrier, "tracking_number": o.tracking_number,
        "shipping_address": o.shipping_address, "total": money(o.total),
        "items": [{"sku": i.sku, "name": i.product.name, "qty": i.qty, "price": money(i.price),
                   "final_sale": i.product.final_sale} for i in o.items],
        "return_window_ends": day(rules.return_window_ends(o.delivered_at)),
    }


def payment(p: m.Payment) -> Json:
    return {"id": p.id, "order_id": p.order_id, "customer_id": p.customer_id,
            "amount": money(p.amount), "method": p.method, "status": p.status,
            "captured_at": day(p.captured_at), "duplicate_of": p.duplicate_of}


def refund(r: m.Refund) -> Json:
    return {"id": r.id, "order_id": r.order_id, "customer_id": r.customer_id,
            "amount": money(r.amount), "method": r.method, "status": r.status,
            "reason": r.reason, "created_at": day(r.created_at),
            "expected_business_days": r.expected_business_days,
            "payment_id": r.payment_id, "subscription_id": r.subscription_id, "rma": r.rma}


def invoice(i: m.Invoice, pdf_url: str) -> Json:
    """`pdf_url`: a signed link (links.py)."""
    return {"id": i.id, "order_id": i.order_id, "customer_id": i.customer_id,
            "amount": money(i.amount), "status": i.status, "issued_at": day(i.issued_at),
            "pdf_url": pdf_url}


def subscription(s: m.Subscription) -> Json:
    return {"id": s.id, "customer_id": s.customer_id, "plan": s.plan, "price": money(s.price),
            "interval": s.interval, "status": s.status, "started_at": day(s.started_at),
            "renews_at": day(s.renews_at), "paused_until": day(s.paused_until),
            "cancel_at": day(s.cancel_at)}


def return_(r: m.Return) -> Json:
    return {
        "rma": r.rma, "order_id": r.order_id, "customer_id": r.customer_id,
        "items": [{"sku": i.sku, "name": i.name, "qty": i.qty, "price": money(i.price)}
                  for i in r.items],
        "reason": r.reason, "condition": r.condition, "refund_method": r.refund_method,
        "items_total": money(r.items_total), "fee": money(r.fee),
        "store_credit_bonus": money(r.store_credit_bonus), "refund_amount": money(r.refund_amount),
        "label_url": r.label_url, "label_sent_to": r.label_sent_to, "status": r.status,
        "created_at": day(r.created_at), "received_at": day(r.received_at),
        "refund": refund(r.refund) if r.refund else None,
    }


def outbox(msg: m.OutboxMessage) -> Json:
    return {"id": msg.id, "to": msg.to, "kind": msg.kind, "subject": msg.subject,
            "body": msg.body, "created_at": msg.created_at.isoformat(timespec="seconds")}
