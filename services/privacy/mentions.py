"""Finding every conversation that holds an email address, wherever it was
written: any slot, what the customer or the bot wrote, event metadata, the
inbox (context package, summary, transcript) and the channel state (dedupe
rows, numbered choices).

The database narrows the rows with a case-insensitive substring match (a full
scan: this runs once per erasure request); Python then checks each candidate
for the address as a whole, so `anna.maya@example.com` or
`maya@example.com.au` do not count as `maya@example.com`.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterator, List, Sequence, Set, Tuple

import sqlalchemy as sa

# The inbox's and the channels' columns that can hold free text:
# (place attribute on Stores, table, column holding the sender id, text columns)
TEXT_COLUMNS = (
    ("inbox", "handoffs", "sender_id", ("context", "summary", "reason", "released_slots")),
    ("channel", "channel_inbound", "sender_id", ("text", "metadata")),
    ("channel", "channel_choices", "customer_id", ("choices",)),
)
EVENT_LABELS = {"slot": None, "user": "customer message", "bot": "bot message"}


def address_pattern(email: str) -> "re.Pattern[str]":
    """`email` as a whole address in any case: not preceded by a character an
    address can hold, not followed by one that would make it a longer domain."""
    return re.compile(r"(?<![\w.+-])" + re.escape(email.strip()) + r"(?![\w-]|\.[^\W_])", re.IGNORECASE)


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a decoded JSON value (keys too: a dict may be keyed by email)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _decoded(raw: Any) -> Any:
    """A column's value with JSON decoded (so escapes like `\\n` do not hide an address)."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def holds(raw: Any, pattern: "re.Pattern[str]") -> bool:
    return any(pattern.search(text) for text in _strings(_decoded(raw)))


def _needles(email: str) -> Set[str]:
    """What to look for in the database: the address, and its JSON-escaped form
    (Rasa writes non-ASCII characters as \\uXXXX)."""
    plain = email.strip().lower()
    return {plain, json.dumps(plain)[1:-1]}


def contains_any(columns: Sequence[Any], email: str) -> Any:
    """SQL: one of `columns` contains the address, ignoring case (SQLite and PostgreSQL)."""
    return sa.or_(*[sa.func.lower(sa.cast(column, sa.Text)).contains(needle, autoescape=True)
                    for column in columns for needle in _needles(email)])


def event_label(data: Any) -> str:
    """Where in a Rasa event the address was: `slot new_account_email`, `customer message`…"""
    event = _decoded(data)
    kind = event.get("event") if isinstance(event, dict) else None
    if kind == "slot":
        return f"slot {event.get('name')}"
    return EVENT_LABELS.get(kind) or f"{kind or 'unreadable'} event"


def matches(rows: Any, pattern: "re.Pattern[str]", labels: List[str]) -> Iterator[Tuple[str, str]]:
    """(sender, label) of each row `(sender, value per label…)` whose value holds the address."""
    for sender, *values in rows:
        for label, value in zip(labels, values):
            if holds(value, pattern):
                yield sender, label


def add_hits(found: Dict[str, Set[str]], place: str, hits: Iterator[Tuple[str, str]]) -> None:
    for sender, label in hits:
        found.setdefault(sender, set()).add(f"{place}: {label}")
