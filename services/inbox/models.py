"""The inbox's tables: agents, their sessions, handoffs, messages, the broker cursor."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, String,
                        Text, UniqueConstraint, false, true)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

OPEN_STATUSES = ("waiting", "assigned", "ticket")
STATUSES = OPEN_STATUSES + ("released", "closed")
QUEUES = ("orders", "returns", "billing", "account", "general")
PRIORITIES = ("high", "normal")
ROLES = ("agent", "supervisor")
AGENT_STATUSES = ("online", "away")
DIRECTIONS = ("customer", "agent", "bot", "note")
# ISO 639-1 codes of the languages customers write in (addons/nlu/language.py).
LANGUAGES = ("en", "es", "fr", "de", "pt", "it")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Agent(Base):
    __tablename__ = "agents"
    id = Column(Integer, primary_key=True)
    email = Column(String(255), unique=True, nullable=False)
    name = Column(String(255), nullable=False)
    password_hash = Column(String(512), nullable=False)
    role = Column(String(16), nullable=False, default="agent")
    team = Column(String(32), nullable=False, default="general")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    # A supervisor deactivates an agent who left: no login, sessions revoked.
    active = Column(Boolean, nullable=False, default=True, server_default=true())
    # The languages the agent answers customers in, comma-separated ISO codes,
    # set by a supervisor: the queue and claiming prefer them (handoffs.py).
    languages = Column(String(64), nullable=False, default="en", server_default="en")
    # Routing (services/inbox/routing.py): only "online" agents are assigned
    # conversations, at most `capacity` open at once (NULL: the configured default).
    status = Column(String(16), nullable=False, default="away", server_default="away")
    capacity = Column(Integer, nullable=True)
    # May approve high-risk actions (refunds over $500); supervisors always may.
    approver = Column(Boolean, nullable=False, default=False, server_default=false())

    @property
    def language_list(self) -> tuple:
        return tuple(code for code in (self.languages or "").split(",") if code)


class AuthSession(Base):
    """A login. Only the token's SHA-256 is stored, so a leaked DB grants nothing."""

    __tablename__ = "sessions"
    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), unique=True, nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    agent = relationship(Agent, lazy="joined")


class Handoff(Base):
    __tablename__ = "handoffs"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    input_channel = Column(String(64), nullable=False, default="rest")
    status = Column(String(16), nullable=False, default="waiting", index=True)
    queue = Column(String(16), nullable=False, default="general")
    priority = Column(String(8), nullable=False, default="normal")
    reason = Column(Text, nullable=False, default="")
    summary = Column(Text, nullable=False, default="")
    context = Column(JSON, nullable=False, default=dict)
    # The customer's language (the bot's `language` slot at the handoff).
    language = Column(String(8), nullable=False, default="en", server_default="en")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    # Broker events older than the newest transcript line the bot sent are
    # history the package already covers (or predates the handoff).
    transcript_until = Column(Float, nullable=True)
    claimed_by_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    claimed_at = Column(DateTime, nullable=True)
    released_at = Column(DateTime, nullable=True)
    released_slots = Column(JSON, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    resolution = Column(String(32), nullable=True)
    claimed_by = relationship(Agent, lazy="joined")
    # First-response SLA (services/inbox/routing.py): the deadline for an
    # agent's first reply, when it was missed, and when the reply came.
    sla_due_at = Column(DateTime, nullable=True, index=True)
    sla_breached_at = Column(DateTime, nullable=True)
    first_response_at = Column(DateTime, nullable=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("source_event_id", name="uq_messages_source_event"),)
    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    direction = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)
    author_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    ts = Column(Float, nullable=False)  # when it was said (epoch seconds, Rasa's clock)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    source_event_id = Column(Integer, nullable=True)  # row id in Rasa's `events` table
    author = relationship(Agent, lazy="joined")


class BrokerCursor(Base):
    __tablename__ = "broker_cursor"
    name = Column(String(64), primary_key=True)
    last_event_id = Column(Integer, nullable=False, default=0)


# -- approvals: high-risk actions a person decides (services/inbox/approvals.py) --

APPROVAL_STATUSES = ("pending", "approved", "denied")


class Approval(Base):
    """A high-risk action the bot could not do alone (a refund over $500),
    with the facts an approver needs; one per subject (the refund)."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("kind", "subject_id", name="uq_approvals_subject"),)
    id = Column(Integer, primary_key=True)
    kind = Column(String(32), nullable=False)              # "refund"
    subject_id = Column(String(64), nullable=False)        # the refund's id in billing
    status = Column(String(16), nullable=False, default="pending", index=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=True, index=True)
    sender_id = Column(String(255), nullable=False)
    input_channel = Column(String(64), nullable=False, default="rest")
    language = Column(String(8), nullable=False, default="en")
    facts = Column(JSON, nullable=False, default=dict)     # customer, order, amount, reason
    created_at = Column(DateTime, nullable=False, default=utcnow)
    decided_at = Column(DateTime, nullable=True)
    decided_by_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    note = Column(Text, nullable=True)
    # what the customer was told, and whether it reached them
    customer_notified = Column(Boolean, nullable=False, default=False, server_default=false())
    decided_by = relationship(Agent, lazy="joined")


class AuditEntry(Base):
    """Who did what, when, with which note: every approval decision (and its
    outcome in billing) is written here and never changed."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    actor_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    actor = Column(String(255), nullable=False)            # email, or "bot"
    action = Column(String(64), nullable=False)            # approval.created / .approved / .denied
    subject = Column(String(128), nullable=False, index=True)  # "approval:12"
    note = Column(Text, nullable=True)
    detail = Column(JSON, nullable=False, default=dict)


# -- the review loop: labels for messages the NLU got wrong (services/inbox/review.py) --

class ReviewLabel(Base):
    """What a customer message (a row of Rasa's event broker table) meant, as
    an agent or designer labelled it; `make review-export` turns these into
    NLU examples."""

    __tablename__ = "review_labels"
    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, nullable=False, unique=True)
    text = Column(Text, nullable=False)
    intent = Column(String(64), nullable=False)        # a domain intent, or out_of_scope
    guessed = Column(String(64), nullable=True)        # what the bot thought
    labelled_by_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    labelled_at = Column(DateTime, nullable=False, default=utcnow)
    labelled_by = relationship(Agent, lazy="joined")
