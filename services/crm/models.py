"""SQLAlchemy 1.4 models of the demo store. Money is stored as integer cents."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint, func)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

Base = declarative_base()


class Money(TypeDecorator):
    """Decimal dollars in Python, integer cents in the database (exact on every dialect)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


class Customer(Base):
    __tablename__ = "customers"
    id = Column(String(32), primary_key=True)
    name = Column(String(200), nullable=False)
    email = Column(String(254), nullable=False)
    # One account per email, whatever the case: the unique key is the lowercased email.
    email_key = Column(String(254), nullable=False, unique=True)
    phone = Column(String(20), index=True)
    messenger_psid = Column(String(64), index=True)
    address = Column(Text)
    newsletter = Column(Boolean, nullable=False, default=False)
    created_at = Column(Date, nullable=False)


class Product(Base):
    __tablename__ = "products"
    sku = Column(String(32), primary_key=True)
    name = Column(String(200), nullable=False)
    price = Column(Money, nullable=False)
    final_sale = Column(Boolean, nullable=False, default=False)


class Order(Base):
    __tablename__ = "orders"
    id = Column(String(32), primary_key=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False, index=True)
    status = Column(String(16), nullable=False)
    placed_at = Column(Date, nullable=False)
    shipped_at = Column(Date)
    delivered_at = Column(Date)
    estimated_delivery = Column(Date)
    carrier = Column(String(64))
    tracking_number = Column(String(64))
    shipping_address = Column(Text)
    total = Column(Money, nullable=False)
    items = relationship("OrderItem", order_by="OrderItem.id", lazy="selectin")


class OrderItem(Base):
    __tablename__ = "order_items"
    id = Column(Integer, primary_key=True)
    order_id = Column(String(32), ForeignKey("orders.id"), nullable=False, index=True)
    sku = Column(String(32), ForeignKey("products.sku"), nullable=False)
    qty = Column(Integer, nullable=False)
    price = Column(Money, nullable=False)
    product = relationship("Product", lazy="joined")


class Payment(Base):
    __tablename__ = "payments"
    id = Column(String(32), primary_key=True)
    order_id = Column(String(32), ForeignKey("orders.id"), index=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False, index=True)
    amount = Column(Money, nullable=False)
    method = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False)  # captured | refunded
    captured_at = Column(Date, nullable=False)
    duplicate_of = Column(String(32))  # an earlier capture of the same order


class Refund(Base):
    __tablename__ = "refunds"
    id = Column(String(32), primary_key=True)
    order_id = Column(String(32), ForeignKey("orders.id"), index=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False, index=True)
    amount = Column(Money, nullable=False)
    method = Column(String(64), nullable=False)
    status = Column(String(20), nullable=False)
    reason = Column(String(32), nullable=False)
    created_at = Column(Date, nullable=False)
    expected_business_days = Column(String(8), nullable=False)
    payment_id = Column(String(32))
    subscription_id = Column(String(32))
    rma = Column(String(16))
    approved_by = Column(String(100))


class Invoice(Base):
    __tablename__ = "invoices"
    id = Column(String(32), primary_key=True)
    order_id = Column(String(32), ForeignKey("orders.id"), index=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False, index=True)
    amount = Column(Money, nullable=False)
    status = Column(String(16), nullable=False)
    issued_at = Column(Date, nullable=False)


class Subscription(Base):
    __tablename__ = "subscriptions"
    id = Column(String(32), primary_key=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False, index=True)
    plan = Column(String(64), nullable=False)
    price = Column(Money, nullable=False)
    interval = Column(String(8), nullable=False)  # month | year
    status = Column(String(16), nullable=False)  # active | paused | cancelled
    started_at = Column(Date, nullable=False)
    renews_at = Column(Date)
    paused_until = Column(Date)
    # A cancelled monthly plan stays active until the end of the paid month.
    cancel_at = Column(Date)


class Return(Base):
    __tablename__ = "returns"
    rma = Column(String(16), primary_key=True)
    order_id = Column(String(32), ForeignKey("orders.id"), nullable=False, index=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False)
    reason = Column(Text, nullable=False)
    condition = Column(String(16), nullable=False)
    refund_method = Column(String(20), nullable=False)
    items_total = Column(Money, nullable=False)
    fee = Column(Money, nullable=False)
    store_credit_bonus = Column(Money, nullable=False)
    refund_amount = Column(Money, nullable=False)
    label_url = Column(String(300), nullable=False)
    label_sent_to = Column(String(254), nullable=False)
    status = Column(String(16), nullable=False)  # label_sent | received
    created_at = Column(Date, nullable=False)
    received_at = Column(Date)
    refund_id = Column(String(32), ForeignKey("refunds.id"))
    items = relationship("ReturnItem", order_by="ReturnItem.id", lazy="selectin")
    refund = relationship("Refund", lazy="joined")


class ReturnItem(Base):
    __tablename__ = "return_items"
    id = Column(Integer, primary_key=True)
    rma = Column(String(16), ForeignKey("returns.rma"), nullable=False, index=True)
    sku = Column(String(32), nullable=False)
    name = Column(String(200), nullable=False)
    qty = Column(Integer, nullable=False)
    price = Column(Money, nullable=False)


class DeletionRequest(Base):
    __tablename__ = "deletion_requests"
    id = Column(String(32), primary_key=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False, unique=True)
    created_at = Column(Date, nullable=False)
    complete_by = Column(Date, nullable=False)


class OutboxMessage(Base):
    """Emails the demo would have sent; GET /admin/outbox shows them."""

    __tablename__ = "outbox"
    id = Column(Integer, primary_key=True)
    to = Column(String(254), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    subject = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, server_default=func.now())


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("key", "method", "path"),)
    id = Column(Integer, primary_key=True)
    key = Column(String(255), nullable=False)  # "sha256:<hex>" of the client's key, never the key
    method = Column(String(8), nullable=False)
    path = Column(String(300), nullable=False)
    request_hash = Column(String(64), nullable=False)
    status = Column(Integer, nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, server_default=func.now())


class VerificationCode(Base):
    """A one-time code sent to a customer to prove they own the account.
    Only a salted hash of the code is kept."""

    __tablename__ = "verification_codes"
    id = Column(Integer, primary_key=True)
    customer_id = Column(String(32), ForeignKey("customers.id"), nullable=False, index=True)
    salt = Column(String(32), nullable=False)
    code_hash = Column(String(64), nullable=False)
    expires_at = Column(DateTime, nullable=False)
    tries = Column(Integer, nullable=False, default=0)
    spent = Column(Boolean, nullable=False, default=False)


class VerificationFailure(Base):
    """Failed proofs of identity per subject ("customer:C005", "order:10231"),
    kept here so that a restart, a new session or a new conversation id does
    not start the count again."""

    __tablename__ = "verification_failures"
    subject = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime)
