"""The review loop: customer messages the NLU fell back on or was unsure
about, labelled by agents and designers, exported as NLU training data.

Messages come from Rasa's event broker table (the `user` events and their
`parse_data`); a label names one of the domain's intents, or out of scope.
`make review-export` (scripts/review_export.py) writes the labelled ones to
data/nlu/reviewed.yml with personal data replaced.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
import yaml

from services.analytics.sources import broker_events, engine_for

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("fallback", "low_confidence")
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
SCAN = 5000  # newest broker rows looked at per page


@lru_cache(maxsize=1)
def domain_intents() -> tuple:
    """Intents a message can be labelled with: the domain's, minus the
    inbox's and channels' external triggers."""
    names = []
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for intent in (yaml.safe_load(path.read_text()) or {}).get("intents") or []:
            name = intent if isinstance(intent, str) else next(iter(intent))
            if not name.startswith("EXTERNAL_") and name not in names:
                names.append(name)
    return tuple(sorted(names))


def _guess(parse: Dict[str, Any]) -> List[Dict[str, Any]]:
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    return [{"intent": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 3)}
            for r in ranking[:3]]


def kind_of(parse: Dict[str, Any], threshold: float) -> Optional[str]:
    intent = parse.get("intent") or {}
    if intent.get("name") == FALLBACK:
        return "fallback"
    confidence = intent.get("confidence")
    if isinstance(confidence, (int, float)) and confidence < threshold:
        return "low_confidence"
    return None


def messages(event_db_url: str, kind: str, threshold: float, limit: int,
             before: Optional[int] = None) -> List[Dict[str, Any]]:
    """Newest first: customer messages of `kind`, with the bot's guess."""
    engine = engine_for(event_db_url)
    query = (sa.select(broker_events.c.id, broker_events.c.sender_id, broker_events.c.data)
             .order_by(broker_events.c.id.desc()).limit(SCAN))
    if before:
        query = query.where(broker_events.c.id < before)
    found = []
    with engine.connect() as conn:
        for row_id, sender_id, data in conn.execute(query):
            try:
                event = json.loads(data or "")
            except ValueError:
                continue
            if not isinstance(event, dict) or event.get("event") != "user":
                continue
            text, parse = event.get("text") or "", event.get("parse_data") or {}
            if not text.strip() or text.startswith(("/", "EXTERNAL")) or kind_of(parse, threshold) != kind:
                continue
            found.append({"id": row_id, "sender_id": sender_id, "text": text,
                          "timestamp": event.get("timestamp"), "kind": kind,
                          "intent": (parse.get("intent") or {}).get("name"), "guess": _guess(parse)})
            if len(found) >= limit:
                break
    return found


def message(event_db_url: str, event_id: int) -> Optional[Dict[str, Any]]:
    engine = engine_for(event_db_url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(broker_events.c.data).where(broker_events.c.id == event_id)).first()
    try:
        event = json.loads(row[0]) if row else None
    except ValueError:
        return None
    return event if isinstance(event, dict) and event.get("event") == "user" else None
