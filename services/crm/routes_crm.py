"""CRM API (/crm/v1): customers and orders. Returns live in routes_returns.py."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crm import outbox, refunds, rules, store, validation as v, views
from services.crm.clock import today
from services.crm.errors import ApiError
from services.crm.models import Customer, DeletionRequest, Order, Payment
from services.crm.routing import Call, Route
from services.crm.schemas import ADDRESS_BODY, CUSTOMER_BODY, CUSTOMER_PATCH, NEWSLETTER_BODY

LOOKUP_FIELDS = ("email", "phone", "messenger_psid")


def _customer(db: Session, customer_id: str) -> Customer:
    return store.get(db, Customer, customer_id, "customer")


def _order(db: Session, order_id: str) -> Order:
    return store.get(db, Order, order_id, "order")


def get_customer(call: Call, customer_id: str) -> dict:
    return views.customer(_customer(call.db, customer_id))


def find_customers(call: Call) -> dict:
    """Lookup by email (any case), phone (E.164) or Messenger page-scoped id."""
    given = {f: v.query(call.request, f) for f in LOOKUP_FIELDS}
    if not any(given.values()):
        raise ApiError(400, "missing_query", "one of email, phone, messenger_psid is required")
    stmt = select(Customer).order_by(Customer.id)
    if given["email"]:
        stmt = stmt.where(Customer.email_key == given["email"].lower())
    if given["phone"]:
        stmt = stmt.where(Customer.phone == v.phone(given["phone"]))
    if given["messenger_psid"]:
        stmt = stmt.where(Customer.messenger_psid == given["messenger_psid"])
    return {"customers": [views.customer(c) for c in call.db.execute(stmt).scalars()]}


def create_customer(call: Call) -> dict:
    data = v.json_body(call.request)
    email = v.email(v.text(data, "email", max_len=254))
    if call.db.execute(select(Customer).filter_by(email_key=email.lower())).first():
        raise ApiError(409, "email_taken", "an account with this email already exists")
    phone = v.text(data, "phone", required=False, max_len=32)
    customer = Customer(
        id=store.next_id(call.db, Customer.id, "C", 3, 1), name=v.text(data, "name", max_len=200),
        email=email, email_key=email.lower(), phone=v.phone(phone) if phone else None,
        address=v.text(data, "address", required=False, max_len=500),
        newsletter=False, created_at=today())
    call.db.add(customer)
    call.db.flush()
    return views.customer(customer)


def update_customer(call: Call, customer_id: str) -> dict:
    data = v.json_body(call.request)
    v.only_fields(data, ("name", "phone", "address"))
    customer = _customer(call.db, customer_id)
    if "name" in data:
        customer.name = v.text(data, "name", max_len=200)
    if "phone" in data:
        customer.phone = v.phone(v.text(data, "phone", max_len=32))
    if "address" in data:
        customer.address = v.text(data, "address", max_len=500)
    return views.customer(customer)


def customer_orders(call: Call, customer_id: str) -> dict:
    _customer(call.db, customer_id)
    orders = call.db.execute(select(Order).filter_by(customer_id=customer_id)
                             .order_by(Order.placed_at.desc(), Order.id.desc())).scalars()
    return {"orders": [views.order(o) for o in orders]}


def password_reset(call: Call, customer_id: str) -> dict:
    customer = _customer(call.db, customer_id)
    link = f"{call.base_url}/reset-password?token={secrets.token_urlsafe(24)}"
    outbox.send(call.db, customer.email, "password_reset", "Reset your Harbor Goods password",
                f"Open {link} within {rules.PASSWORD_RESET_MINUTES} minutes to choose a new "
                "password. If you did not ask for this, ignore this email.")
    return {"sent_to": customer.email, "expires_in_minutes": rules.PASSWORD_RESET_MINUTES}


def deletion_request(call: Call, customer_id: str) -> dict:
    customer = _customer(call.db, customer_id)
    if call.db.execute(select(DeletionRequest).filter_by(customer_id=customer_id)).first():
        raise ApiError(409, "deletion_already_requested", "this account is already being deleted")
    request = DeletionRequest(id=store.next_id(call.db, DeletionRequest.id, "DEL-", 5, 1),
                              customer_id=customer_id, created_at=today(),
                              complete_by=today() + timedelta(days=rules.DELETION_DAYS))
    call.db.add(request)
    outbox.send(call.db, customer.email, "deletion_confirmation", "Your account deletion request",
                f"We received request {request.id}; your account will be deleted by "
                f"{request.complete_by.isoformat()}. Invoices are kept for 7 years as the law requires.")
    return {"request_id": request.id, "complete_by": request.complete_by.isoformat(),
            "retained": "invoices are kept for 7 years as the law requires"}


def set_newsletter(call: Call, customer_id: str) -> dict:
    subscribed = v.boolean(v.json_body(call.request), "subscribed")
    customer = _customer(call.db, customer_id)
    customer.newsletter = subscribed
    return views.customer(customer)


def get_order(call: Call, order_id: str) -> dict:
    return views.order(_order(call.db, order_id))


def _refuse_if_shipped(order: Order) -> None:
    code = rules.order_change_refusal(order.status)
    if code:
        raise ApiError(409, code, f"order {order.id} is {order.status}")


def cancel_order(call: Call, order_id: str) -> dict:
    """Free until shipped; everything captured and not yet refunded (a
    duplicate capture too) comes back in one refund."""
    order = _order(call.db, order_id)
    _refuse_if_shipped(order)
    order.status = "cancelled"
    amount = refunds.still_held(call.db, order)
    refund = None
    if amount > 0:
        refund = refunds.create(call.db, customer_id=order.customer_id, order_id=order.id,
                                amount=amount, reason="cancellation",
                                status=refunds.direct_status(call.db, order.id, amount),
                                method=refunds.order_payment_method(call.db, order.id))
        for payment in call.db.execute(select(Payment).filter_by(order_id=order.id, status="captured")).scalars():
            payment.status = "refunded"
    return {**views.order(order), "refund": views.refund(refund) if refund else None}


def change_shipping_address(call: Call, order_id: str) -> dict:
    address = v.text(v.json_body(call.request), "shipping_address", max_len=500)
    order = _order(call.db, order_id)
    _refuse_if_shipped(order)
    order.shipping_address = address
    return views.order(order)


ROUTES = [
    Route("GET", "/customers/<customer_id>", get_customer, "A customer"),
    Route("GET", "/customers", find_customers, "Find customers by email, phone or Messenger id",
          query=LOOKUP_FIELDS),
    Route("POST", "/customers", create_customer, "Create a customer (one account per email)",
          status=201, body=CUSTOMER_BODY, errors=("email_taken",)),
    Route("PATCH", "/customers/<customer_id>", update_customer, "Change name, phone or address",
          body=CUSTOMER_PATCH),
    Route("GET", "/customers/<customer_id>/orders", customer_orders, "A customer's orders, newest first"),
    Route("POST", "/customers/<customer_id>/password-reset", password_reset,
          "Email a password-reset link (valid 60 minutes)"),
    Route("POST", "/customers/<customer_id>/deletion-request", deletion_request,
          "Request account deletion (completed within 30 days)", status=201,
          errors=("deletion_already_requested",)),
    Route("PUT", "/customers/<customer_id>/newsletter", set_newsletter,
          "Subscribe or unsubscribe from the newsletter", body=NEWSLETTER_BODY),
    Route("GET", "/orders/<order_id>", get_order, "An order"),
    Route("POST", "/orders/<order_id>/cancel", cancel_order,
          "Cancel an order that has not shipped; refunds the captured payment",
          errors=("order_already_shipped", "order_already_cancelled")),
    Route("PATCH", "/orders/<order_id>/shipping-address", change_shipping_address,
          "Change the shipping address before the order ships", body=ADDRESS_BODY,
          errors=("order_already_shipped", "order_already_cancelled")),
]
