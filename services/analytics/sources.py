"""Reading the two sources: Rasa's event-broker table and the inbox's handoffs.

Both are plain SQL (any SQLAlchemy URL). Nothing here writes, and a SQLite
file that does not exist is reported as missing instead of being created.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

# Rasa's SQLEventBroker table (rasa/core/brokers/sql.py): id, sender_id, data (JSON text).
broker_events = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                         sa.column("data", sa.Text))
# The inbox's handoffs (services/inbox/models.py), only the columns analytics needs.
inbox_handoffs = sa.table(
    "handoffs", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
    sa.column("status", sa.String), sa.column("queue", sa.String), sa.column("priority", sa.String),
    sa.column("reason", sa.Text), sa.column("created_at", sa.DateTime),
    sa.column("claimed_at", sa.DateTime), sa.column("closed_at", sa.DateTime),
    sa.column("resolution", sa.String), sa.column("sla_breached_at", sa.DateTime),
    sa.column("first_response_at", sa.DateTime))

BATCH = 2000
# Rows are scanned newest first; once a whole batch is older than the window by
# more than this, older rows cannot matter (ids follow time, give or take the
# few seconds several Rasa instances can interleave).
SLACK_SECONDS = 3600


class SourceMissing(Exception):
    """The database or table is not there (yet)."""


def events_url(env: Optional[Mapping[str, str]] = None) -> str:
    """EVENT_BROKER_DB_URL, else the SQLite file EVENT_BROKER_DB (as the inbox does)."""
    env = os.environ if env is None else env
    return env.get("EVENT_BROKER_DB_URL") or f"sqlite:///{env.get('EVENT_BROKER_DB') or 'var/events.db'}"


def inbox_url(env: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if env is None else env
    return env.get("INBOX_DB_URL") or "sqlite:///var/inbox.db"


_engines: Dict[str, Engine] = {}
_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """A cached engine; SourceMissing for a SQLite file that does not exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        raise SourceMissing(f"no such file: {parsed.database}")
    with _lock:
        if url not in _engines:
            kwargs: Dict[str, Any] = {"future": True}
            if parsed.get_backend_name() == "sqlite":
                kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            _engines[url] = sa.create_engine(url, **kwargs)
        return _engines[url]


def _require_table(engine: Engine, name: str) -> None:
    if not sa.inspect(engine).has_table(name):
        raise SourceMissing(f"no table {name!r} in {engine.url.render_as_string(hide_password=True)}")


def read_events(engine: Engine, since: float) -> List[Dict[str, Any]]:
    """Broker events with timestamp >= since, oldest first, each with `sender_id`."""
    _require_table(engine, "events")
    found: List[Dict[str, Any]] = []
    before: Optional[int] = None
    with engine.connect() as conn:
        while True:
            query = sa.select(broker_events.c.id, broker_events.c.sender_id, broker_events.c.data) \
                .order_by(broker_events.c.id.desc()).limit(BATCH)
            if before is not None:
                query = query.where(broker_events.c.id < before)
            rows = conn.execute(query).fetchall()
            if not rows:
                break
            recent = False
            for row_id, sender_id, data in rows:
                event = _parse(data)
                ts = event.get("timestamp") if event else None
                if not isinstance(ts, (int, float)):
                    continue
                if ts >= since - SLACK_SECONDS:
                    recent = True
                if ts >= since:
                    event["sender_id"] = event.get("sender_id") or sender_id
                    event["_row"] = row_id
                    found.append(event)
            before = rows[-1][0]
            if not recent:
                break
    found.sort(key=lambda e: (e["timestamp"], e["_row"]))
    return found


def _parse(data: Optional[str]) -> Optional[Dict[str, Any]]:
    try:
        event = json.loads(data or "")
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def read_handoffs(engine: Engine, since: dt.datetime) -> List[Dict[str, Any]]:
    """Inbox handoffs created at or after `since` (naive UTC, as the inbox stores)."""
    _require_table(engine, "handoffs")
    h = inbox_handoffs.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(inbox_handoffs).where(h.created_at >= since)
                            .order_by(h.created_at)).fetchall()
    return [dict(row._mapping) for row in rows]


def by_sender(events: List[Dict[str, Any]]) -> Iterator[List[Dict[str, Any]]]:
    """Each sender's events, in order."""
    grouped: Dict[str, List[Dict[str, Any]]] = {}
    for event in events:
        grouped.setdefault(str(event.get("sender_id")), []).append(event)
    return iter(grouped.values())
