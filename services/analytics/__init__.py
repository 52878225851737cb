"""Support analytics from Rasa's event-broker table and the agent inbox.

`build_report(days=7)` returns one JSON-able dict; `python -m services.analytics`
prints it as a table (or `--json`), and the inbox serves it to supervisors at
`GET /api/analytics?days=7`. Definitions: services/analytics/metrics.py and
docs/analytics.md.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Dict, Optional

from services.analytics import metrics, sources

DEFAULT_DAYS = 7
MAX_DAYS = 366
DEFAULT_FALLBACK_THRESHOLD = 0.6  # FallbackClassifier's threshold in config.yml


def build_report(days: int = DEFAULT_DAYS, events_url: Optional[str] = None,
                 inbox_url: Optional[str] = None, now: Optional[dt.datetime] = None,
                 threshold: float = DEFAULT_FALLBACK_THRESHOLD) -> Dict[str, Any]:
    """The numbers for the last `days` UTC days (today included).

    A source that is missing (no file, no table yet) or fails is reported in
    `sources` and its numbers are empty; the other source still counts.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    now = now or dt.datetime.now(dt.timezone.utc)
    first, today, since = metrics.window(days, now)
    status: Dict[str, str] = {}

    events = []
    try:
        events = sources.read_events(sources.engine_for(events_url or sources.events_url()), since)
        status["events"] = "ok"
    except sources.SourceMissing as missing:
        status["events"] = f"missing: {missing}"
    except Exception as error:  # a broken DB must not take the inbox page down
        status["events"] = f"error: {error.__class__.__name__}: {error}"

    handoff_rows = None
    try:
        since_naive = dt.datetime.fromtimestamp(since, dt.timezone.utc).replace(tzinfo=None)
        handoff_rows = sources.read_handoffs(sources.engine_for(inbox_url or sources.inbox_url()),
                                             since_naive)
        status["inbox"] = "ok"
    except sources.SourceMissing as missing:
        status["inbox"] = f"missing: {missing}"
    except Exception as error:
        status["inbox"] = f"error: {error.__class__.__name__}: {error}"

    conv = metrics.conversation_metrics(events, since, threshold)
    handoff_days = metrics.handoff_days(handoff_rows or [])
    csat = metrics.csat_metrics(events, handoff_rows)
    csat_days = csat.pop("per_day")
    per_day = conv.pop("per_day")
    event_reasons = conv.pop("handoff_reasons_from_events")
    outcomes = conv.pop("handoff_outcomes")
    handed_off = conv["conversations"]["handed_off"]
    if handoff_rows is not None:
        handoffs = metrics.handoff_metrics(handoff_rows)
        handoffs["source"] = "inbox"
    else:  # another helpdesk, or no inbox DB: reasons as the bot recorded them
        handoffs = {"total": sum(event_reasons.values()),
                    "by_reason": metrics.ranked(event_reasons, sum(event_reasons.values()), "reason"),
                    "by_queue": [], "high_priority": None, "open_tickets": None, "claimed": None,
                    "median_seconds_to_claim": None, "first_response": None, "sla_breaches": None,
                    "source": "events"}
    handoffs.update({
        "conversations_handed_off": handed_off,
        "share_of_conversations": metrics.share(handed_off, conv["conversations"]["total"]),
        **outcomes,
    })
    return {
        "window": {"days": days, "from": first.isoformat(), "to": today.isoformat(),
                   "timezone": "UTC", "generated_at": now.astimezone(dt.timezone.utc)
                   .isoformat(timespec="seconds")},
        "sources": status,
        **conv,
        "per_day": [{"date": day, "conversations": per_day.get(day, {}).get("conversations", 0),
                     "customer_messages": per_day.get(day, {}).get("customer_messages", 0),
                     **metrics.day_series(per_day.get(day, Counter())),
                     "first_response_median_seconds": handoff_days.get(day, {}).get(
                         "first_response_median_seconds"),
                     "sla_breaches": handoff_days.get(day, {}).get("sla_breaches", 0),
                     **csat_days.get(day, {"csat_bot_average": None, "csat_human_average": None,
                                           "csat_count": 0})}
                    for day in metrics.days_in_window(first, today)],
        "handoffs": handoffs,
        "csat": csat,
    }
