"""Copies customer (and bot) messages of open handoffs from Rasa's event broker.

Rasa's SQL event broker appends every tracker event to a table `events`
(id, sender_id, data JSON). We read rows after a cursor stored in the inbox
DB and commit the cursor in the same transaction as the transcript lines, so
a restart neither loses nor repeats a message.

With several Rasa replicas writing to one PostgreSQL broker table, row ids can
commit out of order: a row with a smaller id may appear after the cursor has
passed it. Each read therefore looks LOOKBACK rows behind the cursor too, and
rows already copied are recognised by their event id.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Dict, Optional

import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, String, Table, Text
from sqlalchemy.exc import SQLAlchemyError

from services.inbox.db import Database
from services.inbox.handoffs import SAME_TIME, append_message, open_handoff_for, parse_ts
from services.inbox.models import BrokerCursor, Handoff, Message
from services.inbox.notify import Notifier

logger = logging.getLogger("inbox.broker")

CURSOR_NAME = "rasa_events"
LOOKBACK = 50
# Rasa's own schema (rasa/core/brokers/sql.py, SQLBrokerEvent); we never create it.
EVENTS = Table("events", MetaData(), Column("id", Integer, primary_key=True),
               Column("sender_id", String(255)), Column("data", Text))


class BrokerReader:
    def __init__(self, db: Database, event_db_url: str, poll_seconds: float,
                 notifier: Notifier, batch_size: int = 200) -> None:
        self.db, self.notifier = db, notifier
        self.poll_seconds, self.batch_size = poll_seconds, batch_size
        self.events_engine = sqlalchemy.create_engine(event_db_url, future=True, pool_pre_ping=True)
        self.last_error: Optional[str] = None

    def read_batch(self) -> int:
        """Processes up to batch_size new rows; returns how many rows it read."""
        with self.db.session() as s:
            cursor = s.get(BrokerCursor, CURSOR_NAME) or BrokerCursor(name=CURSOR_NAME,
                                                                      last_event_id=0)
            s.add(cursor)
            since = max(0, cursor.last_event_id - LOOKBACK)
            with self.events_engine.connect() as conn:
                rows = conn.execute(sqlalchemy.select(EVENTS)
                                    .where(EVENTS.c.id > since)
                                    .order_by(EVENTS.c.id).limit(self.batch_size + LOOKBACK)).all()
            copied = {event_id for (event_id,) in s.query(Message.source_event_id)
                      .filter(Message.source_event_id > since)}
            handoffs: Dict[str, Optional[Handoff]] = {}
            added = new = 0
            for row in rows:
                if row.id in copied:
                    continue
                added += self._apply(s, row, handoffs)
                if row.id > cursor.last_event_id:
                    cursor.last_event_id, new = row.id, new + 1
        if added:
            self.notifier.notify()
        return new

    def _apply(self, s, row, handoffs: Dict[str, Optional[Handoff]]) -> int:
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            logger.warning("event row %s is not JSON; skipped", row.id)
            return 0
        kind, text = data.get("event"), data.get("text")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
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
        direction = "customer" if kind == "user" else "bot"
        return 1 if append_message(s, handoff, direction, text, ts, source_event_id=row.id) else 0

    async def run(self) -> None:
        """Polls forever; a full batch means more is waiting, so read again at once."""
        while True:
            try:
                read = self.read_batch()
                if self.last_error:
                    logger.info("event broker readable again")
                self.last_error = None
            except SQLAlchemyError as exc:
                read = 0
                if self.last_error is None:
                    logger.warning("cannot read Rasa's event broker yet (%s); retrying",
                                   str(exc).splitlines()[0])
                self.last_error = str(exc).splitlines()[0]
            if read < self.batch_size:
                await asyncio.sleep(self.poll_seconds)
            else:
                await asyncio.sleep(0)
