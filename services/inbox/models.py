"""The inbox's tables: agents, their sessions, handoffs, messages, the broker cursor."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, String,
                        Text, UniqueConstraint, true)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

OPEN_STATUSES = ("waiting", "assigned", "ticket")
STATUSES = OPEN_STATUSES + ("released", "closed")
QUEUES = ("orders", "returns", "billing", "account", "general")
PRIORITIES = ("high", "normal")
ROLES = ("agent", "supervisor")
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
