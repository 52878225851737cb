"""Loads seed/harbor_seed.json, turning relative days into real dates.

`days_ago`, `*_days_ago`, `eta_days_from_now` and `renews_in_days` count from
the day of loading, so return windows and renewals behave the same whenever
the demo is (re)started.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from sqlalchemy.orm import Session

from services.crm.clock import today
from services.crm.models import (Customer, Invoice, Order, OrderItem, Payment, Product, Refund,
                                 Subscription)

SEED_PATH = Path(__file__).resolve().parent / "seed" / "harbor_seed.json"


def _ago(days: Optional[int], day: date) -> Optional[date]:
    return None if days is None else day - timedelta(days=days)


def load(db: Session, path: Path = SEED_PATH, day: Optional[date] = None) -> None:
    data = json.loads(path.read_text())
    day = day or today()
    products = {p["sku"]: _product(p) for p in data["products"]}
    db.add_all(products.values())
    db.add_all(_customer(c, day) for c in data["customers"])
    db.flush()
    orders = [_order(o, products, day) for o in data["orders"]]
    db.add_all(orders)
    db.flush()  # invoices and payments reference orders: PostgreSQL checks that
    db.add_all(_payments(data["payments"], day))
    db.add_all(_refund(r, day) for r in data["refunds"])
    placed = {o.id: o.placed_at for o in orders}
    db.add_all(_invoice(i, placed, day) for i in data["invoices"])
    db.add_all(_subscription(s, day) for s in data["subscriptions"])


def _product(p: Dict) -> Product:
    return Product(sku=p["sku"], name=p["name"], price=Decimal(p["price"]),
                   final_sale=bool(p["final_sale"]))


def _customer(c: Dict, day: date) -> Customer:
    return Customer(id=c["id"], name=c["name"], email=c["email"], email_key=c["email"].lower(),
                    phone=c.get("phone"), messenger_psid=c.get("messenger_psid"),
                    address=c.get("address"), newsletter=bool(c.get("newsletter")),
                    created_at=_ago(c.get("created_days_ago", 0), day))


def _order(o: Dict, products: Dict[str, Product], day: date) -> Order:
    delivered = _ago(o.get("delivered_days_ago"), day)
    eta = o.get("eta_days_from_now")
    order = Order(
        id=o["id"], customer_id=o["customer"], status=o["status"],
        placed_at=_ago(o["placed_days_ago"], day), shipped_at=_ago(o.get("shipped_days_ago"), day),
        delivered_at=delivered,
        estimated_delivery=delivered or (day + timedelta(days=eta) if eta is not None else None),
        carrier=o.get("carrier"), tracking_number=o.get("tracking"),
        shipping_address=o.get("shipping_address"), total=Decimal(o["total"]))
    order.items = [OrderItem(sku=i["sku"], qty=i["qty"], price=products[i["sku"]].price)
                   for i in o["items"]]
    return order


def _payments(rows: Iterable[Dict], day: date) -> List[Payment]:
    """Marks a capture as a duplicate when the same order was already captured
    for the same amount: that is how a double charge shows up in billing."""
    payments, first_capture = [], {}
    for p in sorted(rows, key=lambda r: (-r["days_ago"], r["id"])):
        key = (p["order"], p["amount"])
        payments.append(Payment(
            id=p["id"], order_id=p["order"], customer_id=p["customer"], amount=Decimal(p["amount"]),
            method=p["method"], status=p["status"], captured_at=_ago(p["days_ago"], day),
            duplicate_of=first_capture.get(key)))
        first_capture.setdefault(key, p["id"])
    return payments


def _refund(r: Dict, day: date) -> Refund:
    return Refund(id=r["id"], order_id=r.get("order"), customer_id=r["customer"],
                  amount=Decimal(r["amount"]), method=r["method"], status=r["status"],
                  reason=r.get("reason", "cancellation"),
                  created_at=_ago(r.get("created_days_ago", 0), day),
                  expected_business_days=r.get("expected_business_days", "5-7"))


def _invoice(i: Dict, placed: Dict[str, date], day: date) -> Invoice:
    # The seed has no invoice dates: an invoice is issued when the order is placed.
    return Invoice(id=i["id"], order_id=i["order"], customer_id=i["customer"],
                   amount=Decimal(i["amount"]), status=i["status"],
                   issued_at=placed.get(i["order"], day))


def _subscription(s: Dict, day: date) -> Subscription:
    return Subscription(id=s["id"], customer_id=s["customer"], plan=s["plan"],
                        price=Decimal(s["price"]), interval=s["interval"], status=s["status"],
                        started_at=_ago(s["started_days_ago"], day),
                        renews_at=day + timedelta(days=s["renews_in_days"]))
