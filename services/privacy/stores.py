"""Where Harbor keeps a conversation, and finding and deleting it there.

Places (each any SQLAlchemy URL; a SQLite file that does not exist is skipped,
never created):
- Rasa's SQL tracker store: table `events` (sender_id, type_name, timestamp, data)
- Rasa's SQL event broker: table `events` (id, sender_id, data JSON)
- the agent inbox: `handoffs` (by sender_id) and their `messages`
- the channel state: `channel_inbound` (sender_id), `channel_windows` and
  `channel_choices` (customer_id = the sender id), `channel_statuses` (recipient_id)
"""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from services.privacy.mentions import (TEXT_COLUMNS, add_hits, address_pattern, contains_any,
                                      event_label, holds, matches)

CHUNK = 500
OPEN_STATUSES = ("waiting", "assigned", "ticket")  # services/inbox/models.py

tracker_events = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                          sa.column("type_name", sa.String), sa.column("timestamp", sa.Float),
                          sa.column("data", sa.Text))
broker_events = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                         sa.column("data", sa.Text))
handoffs = sa.table("handoffs", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                    sa.column("status", sa.String), sa.column("context", sa.JSON),
                    sa.column("created_at", sa.DateTime), sa.column("claimed_at", sa.DateTime),
                    sa.column("released_at", sa.DateTime), sa.column("closed_at", sa.DateTime))
messages = sa.table("messages", sa.column("id", sa.Integer), sa.column("handoff_id", sa.Integer),
                    sa.column("text", sa.Text), sa.column("created_at", sa.DateTime))
# (table, column holding the sender id, column holding the row's time in epoch seconds)
CHANNEL_TABLES = (("channel_inbound", "sender_id", "received_at"),
                  ("channel_windows", "customer_id", "last_inbound_at"),
                  ("channel_statuses", "recipient_id", "event_at"),
                  ("channel_choices", "customer_id", "offered_at"))


@dataclass(frozen=True)
class Places:
    tracker_url: str
    broker_url: str
    inbox_url: str
    channel_url: str

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Places":
        """TRACKER_DB_URL, else PostgreSQL from TRACKER_DB_HOST/_PORT/_NAME/_USER/_PASSWORD
        (deploy/endpoints.production.yml), else the SQLite file TRACKER_DB (endpoints.yml);
        EVENT_BROKER_DB_URL or the SQLite file EVENT_BROKER_DB; INBOX_DB_URL;
        CHANNEL_STATE_DB_URL."""
        env = os.environ if env is None else env
        return cls(
            tracker_url=env.get("TRACKER_DB_URL") or _production_tracker_url(env)
            or f"sqlite:///{env.get('TRACKER_DB') or 'var/tracker.db'}",
            broker_url=env.get("EVENT_BROKER_DB_URL")
            or f"sqlite:///{env.get('EVENT_BROKER_DB') or 'var/events.db'}",
            inbox_url=env.get("INBOX_DB_URL") or "sqlite:///var/inbox.db",
            channel_url=env.get("CHANNEL_STATE_DB_URL") or "sqlite:///var/channel_state.db",
        )


def _production_tracker_url(env: Mapping[str, str]) -> Optional[str]:
    if not env.get("TRACKER_DB_HOST"):
        return None
    port = env.get("TRACKER_DB_PORT")
    return sa.engine.URL.create(
        "postgresql", username=env.get("TRACKER_DB_USER") or None,
        password=env.get("TRACKER_DB_PASSWORD") or None, host=env["TRACKER_DB_HOST"],
        port=int(port) if port else None, database=env.get("TRACKER_DB_NAME") or None,
    ).render_as_string(hide_password=False)


@dataclass
class Row:
    """One line of the report: how many rows of `table` in `place` (would be) deleted."""

    place: str
    table: str
    count: int
    note: str = ""


@dataclass
class Erased:
    """What `Stores.run` counted or deleted: per place and table, and per conversation."""

    rows: List[Row] = field(default_factory=list)
    conversations: Dict[str, Dict[str, int]] = field(default_factory=dict)  # sender -> "place/table" -> n


@dataclass
class Found:
    senders: Set[str] = field(default_factory=set)
    customer_ids: Set[str] = field(default_factory=set)
    found_by: Dict[str, Set[str]] = field(default_factory=dict)  # sender -> where it matched
    skipped: Dict[str, str] = field(default_factory=dict)  # sender -> why it was kept


@dataclass
class Plan:
    """Counting and deleting some rows of one table in one place."""

    store: "Store"
    table: str
    count: Any
    delete: Any
    by_sender: Any = None  # SELECT sender, COUNT(*) … GROUP BY sender, for the report


class Store:
    """One database; `engine` is None when its SQLite file does not exist."""

    def __init__(self, place: str, url: str) -> None:
        self.place, self.url = place, url
        parsed = make_url(url)
        self.missing = ""
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
                and not Path(parsed.database).exists():
            self.missing = f"no such file {parsed.database}"
        self.engine: Optional[Engine] = None
        if not self.missing:
            kwargs: Dict[str, Any] = {"future": True}
            if parsed.get_backend_name() == "sqlite":
                kwargs["connect_args"] = {"timeout": 30}
            self.engine = sa.create_engine(url, **kwargs)
            self._tables = set(sa.inspect(self.engine).get_table_names())

    def has(self, table: str) -> bool:
        return self.engine is not None and table in self._tables

    def columns(self, table: str) -> Set[str]:
        """Column names of `table` (none when it does not exist)."""
        if not self.has(table):
            return set()
        return {column["name"] for column in sa.inspect(self.engine).get_columns(table)}

    def dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def _chunks(values: Iterable[Any]) -> Iterator[List[Any]]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _norm(value: Any) -> str:
    """Customer ids compare exactly, trimmed."""
    return str(value).strip() if value is not None else ""


def _parse(data: Optional[str]) -> Dict[str, Any]:
    try:
        parsed = json.loads(data or "")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class Stores:
    """All four places, opened once per command."""

    def __init__(self, places: Places) -> None:
        self.tracker = Store("tracker store", places.tracker_url)
        self.broker = Store("event broker", places.broker_url)
        self.inbox = Store("inbox", places.inbox_url)
        self.channel = Store("channel state", places.channel_url)

    def all(self) -> Sequence[Store]:
        return (self.tracker, self.broker, self.inbox, self.channel)

    def close(self) -> None:
        for store in self.all():
            store.dispose()

    # --- finding a customer's conversations ------------------------------------
    def _customer_ids(self) -> Iterator[Tuple[str, str]]:
        """(sender_id, customer id) of every customer_id slot event and inbox handoff."""
        for store, table, extra in ((self.tracker, tracker_events, tracker_events.c.type_name == "slot"),
                                    (self.broker, broker_events, sa.true())):
            if not store.has("events"):
                continue
            with store.engine.connect() as conn:
                rows = conn.execute(sa.select(table.c.sender_id, table.c.data)
                                    .where(extra, table.c.data.like("%customer_id%")))
                for sender_id, data in rows:
                    event = _parse(data)
                    if event.get("event") == "slot" and event.get("name") == "customer_id" \
                            and event.get("value") not in (None, ""):
                        yield sender_id, _norm(event["value"])
        if not self.inbox.has("handoffs"):
            return
        with self.inbox.engine.connect() as conn:
            for sender_id, context in conn.execute(sa.select(handoffs.c.sender_id, handoffs.c.context)):
                context = (_parse(context) if isinstance(context, str) else context) or {}
                for value in ((context.get("customer") or {}).get("id"),
                              (context.get("slots") or {}).get("customer_id")):
                    if value:
                        yield sender_id, _norm(value)

    def mentions(self, email: str) -> Dict[str, Set[str]]:
        """Sender -> where `email` is written in its conversation, in every place
        ("tracker store: slot new_account_email", "inbox: messages.text"…)."""
        pattern, found = address_pattern(email), {}  # type: Dict[str, Set[str]]
        for store, table in ((self.tracker, tracker_events), (self.broker, broker_events)):
            if store.has("events"):
                rows = self._read(store, sa.select(table.c.sender_id, table.c.data)
                                  .where(contains_any([table.c.data], email)))
                add_hits(found, store.place, ((sender, event_label(data)) for sender, data in rows
                                              if holds(data, pattern)))
        if self.inbox.has("handoffs") and self.inbox.has("messages"):
            rows = self._read(self.inbox, sa.select(handoffs.c.sender_id, messages.c.text)
                              .join_from(messages, handoffs, messages.c.handoff_id == handoffs.c.id)
                              .where(contains_any([messages.c.text], email)))
            add_hits(found, self.inbox.place, matches(rows, pattern, ["messages.text"]))
        for attr, name, sender_column, columns in TEXT_COLUMNS:
            store: Store = getattr(self, attr)
            present = [c for c in columns if c in store.columns(name)]
            if present:
                table = sa.table(name, sa.column(sender_column, sa.String),
                                 *[sa.column(c, sa.Text) for c in present])
                texts = [table.c[c] for c in present]
                rows = self._read(store, sa.select(table.c[sender_column], *texts)
                                  .where(contains_any(texts, email)))
                add_hits(found, store.place, matches(rows, pattern, [f"{name}.{c}" for c in present]))
        return found

    @staticmethod
    def _read(store: Store, query: Any) -> List[Any]:
        with store.engine.connect() as conn:
            return conn.execute(query).fetchall()

    def find_customer(self, email: Optional[str] = None,
                      customer_id: Optional[str] = None) -> Found:
        """Senders whose conversations hold this email anywhere (or carry this
        customer id), then the conversations of the customer ids seen in them
        (so a conversation verified by phone, without the email, is found too)."""
        found = Found(found_by=self.mentions(email) if email else {})
        pairs = list(self._customer_ids())
        if customer_id:
            for sender_id, value in pairs:
                if value == _norm(customer_id):
                    found.found_by.setdefault(sender_id, set()).add(f"customer id {value}")
        # One hop, no further: email -> senders -> their customer ids -> senders
        # with those ids. Following ids found in the second round could chain
        # into other customers through one mistyped slot.
        ids = {_norm(customer_id)} if customer_id else set()
        ids |= {value for sender_id, value in pairs if sender_id in found.found_by}
        for sender_id, value in pairs:
            if value in ids:
                found.found_by.setdefault(sender_id, set()).add(f"customer id {value}")
        found.senders, found.customer_ids = set(found.found_by), ids
        return found

    # --- retention -------------------------------------------------------------
    def last_activity(self) -> Dict[str, float]:
        """Newest event time of every sender in the tracker store and the broker."""
        last: Dict[str, float] = {}

        def seen(sender: str, ts: Any) -> None:
            if isinstance(ts, (int, float)) and ts > last.get(sender, float("-inf")):
                last[sender] = float(ts)

        if self.tracker.has("events"):
            c = tracker_events.c
            with self.tracker.engine.connect() as conn:
                for sender, ts in conn.execute(sa.select(c.sender_id, sa.func.max(c.timestamp))
                                               .group_by(c.sender_id)):
                    seen(sender, ts)
        if self.broker.has("events"):
            c = broker_events.c
            with self.broker.engine.connect() as conn:
                newest = [row_id for _, row_id in conn.execute(
                    sa.select(c.sender_id, sa.func.max(c.id)).group_by(c.sender_id))]
                for ids in _chunks(newest):
                    for sender, data in conn.execute(sa.select(c.sender_id, c.data)
                                                     .where(c.id.in_(ids))):
                        seen(sender, _parse(data).get("timestamp"))
        return last

    def find_stale(self, cutoff: float) -> Found:
        """Senders whose newest event is older than `cutoff` (epoch seconds).

        A sender with an open inbox handoff is kept (an agent still owes an
        answer). Inbox handoffs whose conversation is gone from Rasa's stores
        are stale when closed and untouched since the cutoff.
        """
        found = Found()
        last = self.last_activity()
        found.senders = {s for s, ts in last.items() if ts < cutoff}
        if self.inbox.has("handoffs"):
            cutoff_dt = dt.datetime.fromtimestamp(cutoff, dt.timezone.utc).replace(tzinfo=None)
            h = handoffs.c
            newest_message = sa.select(sa.func.max(messages.c.created_at)) \
                .where(messages.c.handoff_id == h.id).scalar_subquery() \
                if self.inbox.has("messages") else sa.null()
            with self.inbox.engine.connect() as conn:
                rows = conn.execute(sa.select(h.sender_id, h.status, h.created_at, h.claimed_at,
                                              h.released_at, h.closed_at, newest_message)).fetchall()
            touched: Dict[str, dt.datetime] = {}
            for sender, status, *stamps in rows:
                if status in OPEN_STATUSES:
                    if sender in found.senders:
                        found.skipped[sender] = f"open handoff ({status})"
                    found.senders.discard(sender)
                    touched[sender] = dt.datetime.max
                    continue
                newest = max([t for t in stamps if isinstance(t, dt.datetime)], default=dt.datetime.min)
                touched[sender] = max(touched.get(sender, dt.datetime.min), newest)
            for sender, newest in touched.items():
                if sender not in last and newest < cutoff_dt:
                    found.senders.add(sender)
        return found

    # --- counting and deleting ---------------------------------------------------
    def _sender_deletes(self, senders: Set[str], channel: bool = True) -> List[Plan]:
        """What to count and delete for a sender set, per chunk of senders."""
        plans: List[Plan] = []
        for ids in _chunks(sorted(senders)):
            for store, table in ((self.tracker, tracker_events), (self.broker, broker_events)):
                if store.has("events"):
                    plans.append(_plan(store, "events", table, table.c.sender_id.in_(ids),
                                       table.c.sender_id))
            if self.inbox.has("handoffs"):
                if self.inbox.has("messages"):
                    their = sa.select(handoffs.c.id).where(handoffs.c.sender_id.in_(ids)).scalar_subquery()
                    plans.append(_plan(self.inbox, "messages", messages, messages.c.handoff_id.in_(their),
                                       handoffs.c.sender_id, messages.join(
                                           handoffs, messages.c.handoff_id == handoffs.c.id)))
                plans.append(_plan(self.inbox, "handoffs", handoffs, handoffs.c.sender_id.in_(ids),
                                   handoffs.c.sender_id))
            for name, column, _ in CHANNEL_TABLES:
                if channel and self.channel.has(name):
                    table = sa.table(name, sa.column(column, sa.String))
                    plans.append(_plan(self.channel, name, table, table.c[column].in_(ids),
                                       table.c[column]))
        return plans

    def _channel_age_deletes(self, cutoff: float) -> List[Plan]:
        plans = []
        for name, _, column in CHANNEL_TABLES:
            if self.channel.has(name):
                table = sa.table(name, sa.column(column, sa.Float))
                plans.append(_plan(self.channel, name, table, table.c[column] < cutoff))
        return plans

    def run(self, senders: Set[str], delete: bool,
            channel_cutoff: Optional[float] = None) -> Erased:
        """Counts (dry run) or deletes a sender set everywhere; one transaction per place.

        With `channel_cutoff` (retention), channel state goes by the age of its
        rows instead of by sender: every row older than the cutoff.
        """
        plans = self._sender_deletes(senders, channel=channel_cutoff is None) if senders else []
        if channel_cutoff is not None:
            plans += self._channel_age_deletes(channel_cutoff)
        totals: Dict[Tuple[str, str], int] = {}
        result = Erased()
        for store in self.all():
            mine = [p for p in plans if p.store is store]
            if not mine:
                continue
            with store.engine.begin() as conn:
                for plan in mine:
                    key = (store.place, plan.table)
                    if plan.by_sender is not None:
                        for sender, n in conn.execute(plan.by_sender):
                            result.conversations.setdefault(sender, {})["/".join(key)] = int(n)
                    n = conn.execute(plan.delete).rowcount if delete else conn.execute(plan.count).scalar()
                    totals[key] = totals.get(key, 0) + int(n or 0)
        result.rows = [Row(place, table, n) for (place, table), n in totals.items()]
        result.rows += [Row(store.place, "-", 0, f"skipped: {store.missing}")
                        for store in self.all() if store.missing]
        return result


def _plan(store: Store, name: str, table: Any, where: Any, sender: Any = None,
          source: Any = None) -> Plan:
    """Count, delete and (given the sender column) count per sender the rows of
    `table` matching `where`; `source` is what to count from when the sender
    column lives in a joined table."""
    by_sender = None
    if sender is not None:
        by_sender = (sa.select(sender, sa.func.count()).select_from(table if source is None else source)
                     .where(where).group_by(sender))
    return Plan(store, name, sa.select(sa.func.count()).select_from(table).where(where),
                table.delete().where(where), by_sender)
