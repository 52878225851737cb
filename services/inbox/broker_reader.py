"""Copies customer (and bot) messages of open handoffs from Rasa's event broker.

Rasa's SQL event broker appends every tracker event to a table `events`
(id, sender_id, data JSON). We read rows after a cursor stored in the inbox
DB and commit the cursor in the same transaction as the transcript lines, so
a restart neither loses nor repeats a message.

With several Rasa replicas writing to one PostgreSQL broker table, row ids can
commit out of order: a row with a smaller id may appear after the cursor has
passed it. Each read therefore looks LOOKBACK rows behind the cursor too, and
rows already copied are recognised by their event id.

No row may stop the reader: each row is applied in its own savepoint, and a
row that cannot be stored is kept in `broker_rejected_events` with the reason
(and logged) before the cursor moves past it. The blocking SQL runs in a
worker thread so /health can tell a dead or stuck reader (`health()`).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import logging
import time
from typing import Any, Dict, Optional, Tuple

import sqlalchemy
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, func
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from services.inbox.db import Database
from services.inbox.handoffs import SAME_TIME, append_message, open_handoff_for, parse_ts
from services.inbox.models import Base, BrokerCursor, Handoff, Message, utcnow
from services.inbox.notify import Notifier

logger = logging.getLogger("inbox.broker")

CURSOR_NAME = "rasa_events"
LOOKBACK = 50
# Rasa's own schema (rasa/core/brokers/sql.py, SQLBrokerEvent); we never create it.
EVENTS = Table("events", MetaData(), Column("id", Integer, primary_key=True),
               Column("sender_id", String(255)), Column("data", Text))
# PostgreSQL text cannot hold NUL; customers' apps do send it.
NUL = "\x00"


class RejectedEvent(Base):
    """A broker row the reader could not store, kept so it is never lost silently."""

    __tablename__ = "broker_rejected_events"
    event_id = Column(Integer, primary_key=True, autoincrement=False)
    sender_id = Column(String(255), nullable=True)
    reason = Column(Text, nullable=False)
    data = Column(Text, nullable=True)
    rejected_at = Column(DateTime, nullable=False, default=utcnow)


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def note_answer_address(handoff: Handoff, text: str) -> None:
    """The bot asked a ticket's customer where to answer (actions/handoff.py):
    their next message with an email address says it."""
    where = (handoff.context or {}).get("answer_to") or {}
    found = EMAIL.search(text)
    if handoff.status == "ticket" and where.get("email_asked") and not where.get("email") and found:
        # a new dict: SQLAlchemy sees the JSON column changed
        handoff.context = {**handoff.context, "answer_to": {**where, "email": found.group(0)}}
        logger.info("ticket %s: the customer gave %s to answer at", handoff.id, found.group(0))


def _storable(value: Optional[str]) -> Optional[str]:
    """Text any database accepts: NUL written as the JSON escape it came from."""
    return None if value is None else value.replace(NUL, "\\u0000")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


class BrokerReader:
    def __init__(self, db: Database, event_db_url: str, poll_seconds: float,
                 notifier: Notifier, batch_size: int = 200,
                 stall_seconds: float = 60.0) -> None:
        self.db, self.notifier = db, notifier
        self.poll_seconds, self.batch_size = poll_seconds, batch_size
        self.stall_seconds = stall_seconds
        self.events_engine = sqlalchemy.create_engine(event_db_url, future=True, pool_pre_ping=True)
        RejectedEvent.__table__.create(db.engine, checkfirst=True)
        self.last_error: Optional[str] = None
        self.failing_since: Optional[float] = None
        self.busy_since: Optional[float] = None  # a read in progress started then

    # --- one batch (worker thread) ----------------------------------------------
    def read_batch(self) -> Tuple[int, int]:
        """Processes up to batch_size new rows; returns (rows read, lines added)."""
        with self.db.session() as s:
            cursor = s.get(BrokerCursor, CURSOR_NAME) or BrokerCursor(name=CURSOR_NAME,
                                                                      last_event_id=0)
            s.add(cursor)
            since = max(0, cursor.last_event_id - LOOKBACK)
            with self.events_engine.connect() as conn:
                rows = conn.execute(sqlalchemy.select(EVENTS)
                                    .where(EVENTS.c.id > since)
                                    .order_by(EVENTS.c.id).limit(self.batch_size + LOOKBACK)).all()
            done = {event_id for (event_id,) in s.query(Message.source_event_id)
                    .filter(Message.source_event_id > since)}
            done |= {event_id for (event_id,) in s.query(RejectedEvent.event_id)
                     .filter(RejectedEvent.event_id > since)}
            handoffs: Dict[str, Optional[Handoff]] = {}
            added = new = 0
            for row in rows:
                if row.id in done:
                    continue
                added += self._apply_or_reject(s, row, handoffs)
                if row.id > cursor.last_event_id:
                    cursor.last_event_id, new = row.id, new + 1
        return new, added

    def _apply_or_reject(self, s, row, handoffs: Dict[str, Optional[Handoff]]) -> int:
        """Applies one row in a savepoint; a row that fails is recorded instead."""
        try:
            with s.begin_nested():
                return self._apply(s, row, handoffs)
        except OperationalError:
            raise  # the database's trouble, not this row's: retry the batch later
        except Exception as exc:  # noqa: BLE001 - any row, any failure: never stop reading
            reason = _first_line(exc)
        handoffs.clear()  # the savepoint rollback expired what they held
        logger.error("event row %s (sender %s) could not be stored and was set aside in "
                     "broker_rejected_events: %s", row.id, row.sender_id, reason)
        with s.begin_nested():
            s.add(RejectedEvent(event_id=row.id, sender_id=_storable(row.sender_id),
                                reason=_storable(reason), data=_storable(row.data)))
        return 0

    def _apply(self, s, row, handoffs: Dict[str, Optional[Handoff]]) -> int:
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            logger.warning("event row %s is not JSON; skipped", row.id)
            return 0
        if not isinstance(data, dict):
            logger.warning("event row %s is not a JSON object; skipped", row.id)
            return 0
        kind, text = data.get("event"), data.get("text")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip(NUL).strip():
            return 0
        if kind == "bot" and (data.get("metadata") or {}).get("agent"):
            return 0  # the inbox sent this agent reply itself; it is in the transcript
        sender = row.sender_id or data.get("sender_id") or ""
        if sender not in handoffs:
            handoffs[sender] = open_handoff_for(s, sender)
        handoff = handoffs[sender]
        if handoff is None:
            return 0
        ts = parse_ts(data.get("timestamp")) or time.time()
        if handoff.transcript_until and ts < handoff.transcript_until - SAME_TIME:
            return 0  # said before the handoff; the bot's package has the history
        if NUL in text:
            logger.info("event row %s: NUL characters removed from the message", row.id)
            text = text.replace(NUL, "")
        direction = "customer" if kind == "user" else "bot"
        added = append_message(s, handoff, direction, text, ts, source_event_id=row.id)
        if added and direction == "customer":
            note_answer_address(handoff, text)
        return 1 if added else 0

    # --- the loop ----------------------------------------------------------------------
    async def run(self) -> None:
        """Polls forever; a full batch means more is waiting, so read again at once."""
        while True:
            read = await self._poll_once()
            await asyncio.sleep(self.poll_seconds if read < self.batch_size else 0)

    async def _poll_once(self) -> int:
        self.busy_since = time.time()
        try:
            read, added = await asyncio.to_thread(self.read_batch)
        except Exception as exc:  # noqa: BLE001 - the reader must outlive any failure
            self._failed(exc)
            return 0
        finally:
            self.busy_since = None
        if self.last_error:
            logger.info("event broker readable again")
        self.last_error = self.failing_since = None
        if added:
            self.notifier.notify()
        return read

    def _failed(self, exc: Exception) -> None:
        error = _first_line(exc)
        if self.last_error is None:
            self.failing_since = time.time()
            if isinstance(exc, SQLAlchemyError):
                logger.warning("cannot read Rasa's event broker yet (%s); retrying", error)
            else:
                logger.exception("event broker read failed (%s); retrying", error)
        self.last_error = error

    # --- health -------------------------------------------------------------------------
    def health(self, task: Optional["asyncio.Task[Any]"]) -> Dict[str, Any]:
        """`event_broker`: ok | error (retrying) | stuck (a read hangs) | dead (task ended)."""
        state, error = ("error", self.last_error) if self.last_error else ("ok", None)
        if task is None or task.done():
            state, error = "dead", _task_error(task)
        elif self.busy_since and time.time() - self.busy_since > self.stall_seconds:
            state, error = "stuck", (f"a read has been running for "
                                     f"{time.time() - self.busy_since:.0f}s")
        return {"event_broker": state, "event_broker_error": error,
                "event_broker_failing_since": _iso(self.failing_since),
                "event_broker_rejected": self.rejected_count()}

    def rejected_count(self) -> Optional[int]:
        try:
            with self.db.session() as s:
                return s.query(func.count(RejectedEvent.event_id)).scalar()
        except SQLAlchemyError:
            return None


def _task_error(task: Optional["asyncio.Task[Any]"]) -> str:
    if task is None:
        return "the reader was not started"
    if task.cancelled():
        return "the reader was cancelled"
    exc = task.exception()
    return _first_line(exc) if exc else "the reader stopped"


def _iso(ts: Optional[float]) -> Optional[str]:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat() if ts else None
