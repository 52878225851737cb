"""Durable channel state in CHANNEL_STATE_DB_URL (any SQLAlchemy URL).

Why a database and not memory: providers retry webhooks for hours and Harbor
restarts in between, so "seen this message id", "last time this customer
wrote" (messaging windows) and "choices offered" must survive restarts.
Times are UNIX epoch seconds (floats) so every backend stores them the same.
Public methods are async and run the blocking SQL in a worker thread.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from addons.channels.config import state_db_url

metadata = sa.MetaData()

inbound = sa.Table(
    "channel_inbound", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("message_id", sa.String(255), nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("claimed_at", sa.Float, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("processed_at", sa.Float, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.UniqueConstraint("channel", "message_id", name="uq_channel_inbound_message"),
)
sa.Index("ix_channel_inbound_pending", inbound.c.channel, inbound.c.processed_at)

windows = sa.Table(
    "channel_windows", metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("customer_id", sa.String(255), primary_key=True),
    sa.Column("last_inbound_at", sa.Float, nullable=False),
)

statuses = sa.Table(
    "channel_statuses", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("message_id", sa.String(255), nullable=False),
    sa.Column("recipient_id", sa.String(255), nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("event_at", sa.Float, nullable=False),
    sa.UniqueConstraint("channel", "message_id", "status", name="uq_channel_status"),
)

choices = sa.Table(
    "channel_choices", metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("customer_id", sa.String(255), primary_key=True),
    sa.Column("choices", sa.Text, nullable=False),
    sa.Column("offered_at", sa.Float, nullable=False),
)

payloads = sa.Table(
    "channel_payloads", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
)


@dataclass
class Inbound:
    """A customer message as the bot will see it, stored before the webhook is acked."""

    message_id: str
    sender_id: str
    text: Optional[str]
    metadata: Dict[str, Any] = field(default_factory=dict)
    received_at: float = field(default_factory=time.time)
    attempts: int = 0


def _row_to_inbound(row: Any) -> Inbound:
    return Inbound(message_id=row.message_id, sender_id=row.sender_id, text=row.text,
                   metadata=json.loads(row.metadata), received_at=row.received_at,
                   attempts=row.attempts)


_engines: Dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _engine(url: str) -> Engine:
    with _engines_lock:
        if url not in _engines:
            _engines[url] = _make_engine(url)
        return _engines[url]


def _make_engine(url: str) -> Engine:
    parsed = sa.engine.make_url(url)
    kwargs: Dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Rasa, the sweeper and the inbox may write at once: wait, don't fail.
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    engine = sa.create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_wal)
    _create_tables(engine)
    return engine


# Any fixed 64-bit number: the key of the advisory lock the table creation holds.
_CREATE_LOCK_KEY = 0x6861726230  # "harb0"


def _create_tables(engine: Engine) -> None:
    """Replicas starting together on a fresh PostgreSQL database would race on
    CREATE TABLE (one fails on a duplicate catalog row): one at a time."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": _CREATE_LOCK_KEY})
        metadata.create_all(conn)


def _sqlite_wal(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA journal_mode=WAL")


def _in_thread(fn):
    """Runs the blocking SQL of `fn` off the event loop."""
    @functools.wraps(fn)
    async def wrapper(self: "ChannelState", *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(fn, self, *args, **kwargs))
    return wrapper


class ChannelState:
    """All durable state of one channel (rows are keyed by channel name)."""

    def __init__(self, channel: str, db_url: Optional[str] = None) -> None:
        self.channel = channel
        self.engine = _engine(db_url or state_db_url())

    # --- inbound messages: dedupe and crash recovery ------------------------
    @_in_thread
    def record_inbound(self, msg: Inbound) -> bool:
        """True if new; False if this message id was already recorded (a retry)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(inbound.insert().values(
                    channel=self.channel, message_id=msg.message_id,
                    sender_id=msg.sender_id, text=msg.text,
                    metadata=json.dumps(msg.metadata), received_at=msg.received_at,
                    attempts=0))
            return True
        except IntegrityError:
            return False

    @_in_thread
    def claim(self, message_id: str, lease_seconds: float) -> bool:
        """Atomically take a message for processing; only one process wins."""
        now = time.time()
        c = inbound.c
        with self.engine.begin() as conn:
            result = conn.execute(inbound.update().where(
                c.channel == self.channel, c.message_id == message_id,
                c.processed_at.is_(None),
                sa.or_(c.claimed_at.is_(None), c.claimed_at < now - lease_seconds),
            ).values(claimed_at=now, attempts=c.attempts + 1))
            return result.rowcount == 1

    @_in_thread
    def finish(self, message_id: str, error: Optional[str] = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(inbound.update().where(
                inbound.c.channel == self.channel, inbound.c.message_id == message_id,
            ).values(processed_at=time.time(), error=error))

    @_in_thread
    def note_failure(self, message_id: str, error: str) -> None:
        """Keeps the message unprocessed so recovery retries it after the lease."""
        with self.engine.begin() as conn:
            conn.execute(inbound.update().where(
                inbound.c.channel == self.channel, inbound.c.message_id == message_id,
            ).values(error=error))

    @_in_thread
    def pending(self, lease_seconds: float, limit: int = 100) -> List[Inbound]:
        """Unprocessed messages nobody holds a live claim on, oldest first."""
        c = inbound.c
        cutoff = time.time() - lease_seconds
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(inbound).where(
                c.channel == self.channel, c.processed_at.is_(None),
                sa.or_(c.claimed_at.is_(None), c.claimed_at < cutoff),
            ).order_by(c.received_at, c.id).limit(limit)).fetchall()
        return [_row_to_inbound(r) for r in rows]

    @_in_thread
    def get_inbound(self, message_id: str) -> Optional[Dict[str, Any]]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(inbound).where(
                inbound.c.channel == self.channel,
                inbound.c.message_id == message_id)).first()
        return dict(row._mapping) if row else None

    # --- messaging windows ---------------------------------------------------
    @_in_thread
    def touch_window(self, customer_id: str, at: float) -> None:
        """Remembers the latest customer message time (never moves backwards)."""
        if self._advance_window(customer_id, at):
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(windows.insert().values(
                    channel=self.channel, customer_id=customer_id, last_inbound_at=at))
        except IntegrityError:  # another writer inserted first: keep the newer time
            self._advance_window(customer_id, at)

    def _advance_window(self, customer_id: str, at: float) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(windows.update().where(
                windows.c.channel == self.channel, windows.c.customer_id == customer_id,
                windows.c.last_inbound_at <= at).values(last_inbound_at=at)).rowcount > 0

    @_in_thread
    def last_inbound(self, customer_id: str) -> Optional[float]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(windows.c.last_inbound_at).where(
                windows.c.channel == self.channel,
                windows.c.customer_id == customer_id)).scalar()

    # --- delivery statuses ---------------------------------------------------
    @_in_thread
    def record_status(self, message_id: str, status: str, recipient_id: Optional[str],
                      event_at: float, error: Optional[str] = None) -> bool:
        """False for a repeated (message, status) pair: providers resend them too."""
        try:
            with self.engine.begin() as conn:
                conn.execute(statuses.insert().values(
                    channel=self.channel, message_id=message_id, status=status,
                    recipient_id=recipient_id, event_at=event_at, error=error))
            return True
        except IntegrityError:
            return False

    @_in_thread
    def statuses_of(self, message_id: str) -> List[Dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(statuses).where(
                statuses.c.channel == self.channel,
                statuses.c.message_id == message_id).order_by(statuses.c.id)).fetchall()
        return [dict(r._mapping) for r in rows]

    # --- choices offered as numbered text ------------------------------------
    @_in_thread
    def offer_choices(self, customer_id: str, offered: List[Dict[str, str]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(choices.delete().where(
                choices.c.channel == self.channel, choices.c.customer_id == customer_id))
            conn.execute(choices.insert().values(
                channel=self.channel, customer_id=customer_id,
                choices=json.dumps(offered), offered_at=time.time()))

    @_in_thread
    def take_choices(self, customer_id: str, max_age_seconds: float
                     ) -> List[Dict[str, str]]:
        """Choices apply to the customer's next message only, so they are consumed."""
        where = sa.and_(choices.c.channel == self.channel,
                        choices.c.customer_id == customer_id)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(choices).where(where)).first()
            if row is None:
                return []
            conn.execute(choices.delete().where(where))
        if row.offered_at < time.time() - max_age_seconds:
            return []
        return json.loads(row.choices)

    # --- long button payloads (ids have length limits) -----------------------
    @_in_thread
    def payload_key(self, payload: str, salt: str = "") -> str:
        """A short stable key for `payload`; `salt` makes distinct keys for one payload."""
        digest = hashlib.sha256(f"{salt}\x00{payload}".encode()).hexdigest()[:40]
        key = "harbor:" + digest
        try:
            with self.engine.begin() as conn:
                conn.execute(payloads.insert().values(key=key, payload=payload))
        except IntegrityError:
            pass  # same payload stored before
        return key

    @_in_thread
    def payload_for(self, key: str) -> Optional[str]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(payloads.c.payload).where(
                payloads.c.key == key)).scalar()
