"""The numbers, computed from broker events and inbox handoffs (pure functions).

Definitions (docs/analytics.md):
- conversation: one Rasa session of one sender (a new one starts at each
  `session_started`) with at least one customer message in the window
- customer message: a `user` event that is not an external trigger
  (`EXTERNAL: …`, e.g. the inbox's EXTERNAL_handback)
- handed off: `action_handoff` ran in the conversation; contained: it did not
- live / ticket / failed: the message the bot sent after action_handoff
  (utter_handoff_live / utter_handoff_ticket / utter_handoff_unavailable)
- NLU fallback: intent `nlu_fallback`, or confidence below the threshold
- flow started: `active_loop` with a form name; completed: `active_loop` null
  right after the form's own action set `requested_slot` to null (a "stop"
  goes through action_deactivate_loop and does not count)
- backend error: a new entry in the `backend_errors` slot, by system and by
  the action that recorded it
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Tuple

from actions.shared.flows import FlowReplay

Json = Dict[str, Any]

HANDOFF_ACTION = "action_handoff"
HANDOFF_OUTCOMES = {"utter_handoff_live": "live", "utter_handoff_ticket": "ticket",
                    "utter_handoff_unavailable": "failed"}


def handoff_outcome(utter_action: Any) -> Optional[str]:
    """live / ticket / failed from the bot message after action_handoff; every
    ticket message (utter_handoff_ticket_*: actions/handoff.py) is a ticket."""
    name = str(utter_action or "")
    return HANDOFF_OUTCOMES.get(name) or ("ticket" if name.startswith("utter_handoff_ticket") else None)
FALLBACK_INTENT = "nlu_fallback"
EXTERNAL_PREFIX = "EXTERNAL: "
UNSPECIFIED = "unspecified"


def share(part: float, whole: float) -> Optional[float]:
    return round(part / whole, 4) if whole else None


def ranked(counter: Counter, total: int, key: str) -> List[Json]:
    return [{key: name, "count": n, "share": share(n, total)}
            for name, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def is_customer_message(event: Json) -> bool:
    if event.get("event") != "user":
        return False
    if (event.get("metadata") or {}).get("is_external"):
        return False
    return not str(event.get("text") or "").startswith(EXTERNAL_PREFIX)


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).date().isoformat()


def split_conversations(events: List[Json]) -> List[List[Json]]:
    """One sender's events cut at `session_started`; only those with a customer message."""
    conversations: List[List[Json]] = [[]]
    for event in events:
        if event.get("event") == "session_started" and conversations[-1]:
            conversations.append([])
        conversations[-1].append(event)
    return [c for c in conversations if any(is_customer_message(e) for e in c)]


# flows started / completed: actions/shared/flows.py (one definition, also used by the CSAT question)
_Flows = FlowReplay


def _new_backend_errors(event: Json, seen: set, since: float) -> List[Json]:
    new = []
    for entry in event.get("value") or []:
        if not isinstance(entry, dict):
            continue
        key = json.dumps(entry, sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        at = entry.get("at")
        if isinstance(at, str):
            try:
                when = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.timezone.utc)
                if when.timestamp() < since:
                    continue  # recorded before the window, carried along in the slot
            except ValueError:
                pass
        new.append(entry)
    return new


def conversation_metrics(events: List[Json], since: float, threshold: float) -> Json:
    """Everything that comes from the broker events (all senders, oldest first)."""
    from services.analytics.sources import by_sender

    per_day: Dict[str, Counter] = {}
    totals = Counter()
    intents: Counter = Counter()
    outcomes: Counter = Counter()
    event_reasons: Counter = Counter()
    compounds: List[float] = []
    flows_started: Counter = Counter()
    flows_completed: Counter = Counter()
    errors_by_system: Counter = Counter()
    errors_by_action: Counter = Counter()
    gaps: Counter = Counter()
    gap_scores: Dict[str, float] = {}
    knowledge_answers = 0

    for sender_events in by_sender(events):
        flows = _Flows()
        seen_errors: set = set()
        reason: Optional[str] = None
        last_action: Optional[str] = None
        for conversation in split_conversations(sender_events):
            first = next(e for e in conversation if is_customer_message(e))
            day = per_day.setdefault(_day(first["timestamp"]), Counter())
            day["conversations"] += 1
            totals["conversations"] += 1
            handed_off = False
            awaiting_outcome = False
            for event in conversation:
                kind = event.get("event")
                flows.see(event)
                if kind == "action":
                    last_action = event.get("name")
                    if last_action == HANDOFF_ACTION:
                        handed_off = awaiting_outcome = True
                        event_reasons[reason or UNSPECIFIED] += 1
                        day["handoffs"] += 1
                        day[f"reason:{reason or UNSPECIFIED}"] += 1
                elif kind == "slot" and event.get("name") == "handoff_reason":
                    reason = str(event["value"]) if event.get("value") else None
                elif kind == "slot" and event.get("name") == "backend_errors":
                    for entry in _new_backend_errors(event, seen_errors, since):
                        totals["backend_errors"] += 1
                        errors_by_system[str(entry.get("system") or "unknown")] += 1
                        errors_by_action[last_action or "unknown"] += 1
                elif kind == "bot":
                    metadata = event.get("metadata") or {}
                    if metadata.get("agent"):
                        totals["agent_messages"] += 1
                    else:
                        totals["bot_messages"] += 1
                    if metadata.get("passage_ids"):
                        knowledge_answers += 1
                    if metadata.get("knowledge_gap"):
                        # the same question, however it was capitalised or spaced
                        question = " ".join(str(metadata["knowledge_gap"]).lower().split())
                        gaps[question] += 1
                        gap_scores[question] = float(metadata.get("knowledge_score") or 0.0)
                        per_day.setdefault(_day(event["timestamp"]), Counter())["knowledge_gaps"] += 1
                    outcome = handoff_outcome(metadata.get("utter_action"))
                    if awaiting_outcome and outcome:
                        outcomes[outcome] += 1
                        awaiting_outcome = False
                elif is_customer_message(event):
                    totals["customer_messages"] += 1
                    per_day.setdefault(_day(event["timestamp"]), Counter())["customer_messages"] += 1
                    parse = event.get("parse_data") or {}
                    intent = parse.get("intent") or {}
                    name = intent.get("name") or "(none)"
                    intents[name] += 1
                    confidence = intent.get("confidence")
                    if name == FALLBACK_INTENT or (isinstance(confidence, (int, float))
                                                   and confidence < threshold):
                        totals["fallback"] += 1
                        per_day[_day(event["timestamp"])]["fallback"] += 1
                    sentiment = parse.get("sentiment") or {}
                    if isinstance(sentiment.get("compound"), (int, float)):
                        compounds.append(float(sentiment["compound"]))
                        if sentiment.get("frustrated"):
                            totals["frustrated"] += 1
            if awaiting_outcome:
                outcomes["unknown"] += 1
            totals["handed_off" if handed_off else "contained"] += 1
            day["contained"] += 0 if handed_off else 1
        flows_started.update(flows.started)
        flows_completed.update(flows.completed)

    messages = totals["customer_messages"]
    return {
        "conversations": {
            "total": totals["conversations"], "contained": totals["contained"],
            "handed_off": totals["handed_off"],
            "containment_rate": share(totals["contained"], totals["conversations"]),
        },
        "per_day": per_day,
        "messages": {"customer": messages, "bot": totals["bot_messages"],
                     "agent": totals["agent_messages"]},
        "handoff_outcomes": {k: outcomes.get(k, 0) for k in ("live", "ticket", "failed", "unknown")},
        "handoff_reasons_from_events": event_reasons,
        "nlu": {
            "threshold": threshold, "fallback": totals["fallback"],
            "fallback_rate": share(totals["fallback"], messages),
            "intents": ranked(intents, messages, "intent"),
        },
        "sentiment": {
            "scored_messages": len(compounds),
            "average_compound": round(statistics.fmean(compounds), 4) if compounds else None,
            "frustrated": totals["frustrated"],
            "frustrated_share": share(totals["frustrated"], len(compounds)),
        },
        "flows": [{"flow": name, "started": flows_started[name],
                   "completed": flows_completed.get(name, 0),
                   "completion_rate": share(flows_completed.get(name, 0), flows_started[name])}
                  for name in sorted(flows_started, key=lambda n: (-flows_started[n], n))],
        "knowledge": {"answers": knowledge_answers, "gaps": sum(gaps.values()),
                      "top_gaps": [{"question": q, "count": n, "best_score": round(gap_scores[q], 3)}
                                   for q, n in sorted(gaps.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]},
        "backend_errors": {"total": totals["backend_errors"],
                           "by_system": dict(errors_by_system.most_common()),
                           "by_action": dict(errors_by_action.most_common())},
    }


def handoff_metrics(handoffs: Iterable[Json]) -> Json:
    """From the inbox: reasons, queues, priorities and how fast agents claim."""
    rows = list(handoffs)
    reasons = Counter((h.get("reason") or UNSPECIFIED) for h in rows)
    queues = Counter((h.get("queue") or "general") for h in rows)
    waits: List[float] = []
    for h in rows:
        created, claimed = h.get("created_at"), h.get("claimed_at")
        if isinstance(created, dt.datetime) and isinstance(claimed, dt.datetime):
            waits.append(max(0.0, (claimed - created).total_seconds()))
    return {
        "total": len(rows),
        "by_reason": ranked(reasons, len(rows), "reason"),
        "by_queue": ranked(queues, len(rows), "queue"),
        "high_priority": sum(1 for h in rows if h.get("priority") == "high"),
        "open_tickets": sum(1 for h in rows if h.get("status") == "ticket"),
        "claimed": len(waits),
        "median_seconds_to_claim": round(statistics.median(waits), 1) if waits else None,
        # an agent's first reply (services/inbox/routing.py), and the targets missed
        "first_response": _first_response(rows),
        "sla_breaches": sum(1 for h in rows if h.get("sla_breached_at")),
    }


def _response_seconds(h: Json) -> Optional[float]:
    created, first = h.get("created_at"), h.get("first_response_at")
    if isinstance(created, dt.datetime) and isinstance(first, dt.datetime):
        return max(0.0, (first - created).total_seconds())
    return None


def _first_response(rows: List[Json]) -> Json:
    times = [t for t in map(_response_seconds, rows) if t is not None]
    return {"median_seconds": round(statistics.median(times), 1) if times else None, "count": len(times)}


def day_series(day: Counter) -> Json:
    """One day's numbers for the supervisors' charts (from conversation_metrics' per_day)."""
    reasons = {key.split(":", 1)[1]: n for key, n in day.items() if key.startswith("reason:")}
    return {"containment": share(day.get("contained", 0), day.get("conversations", 0)),
            "handoffs": day.get("handoffs", 0), "handoffs_by_reason": reasons,
            "fallback_rate": share(day.get("fallback", 0), day.get("customer_messages", 0)),
            "knowledge_gaps": day.get("knowledge_gaps", 0)}


def handoff_days(handoffs: Iterable[Json]) -> Dict[str, Json]:
    """Per UTC day of the handoff: median first response and SLA breaches."""
    days: Dict[str, List[Json]] = {}
    for h in handoffs:
        if isinstance(h.get("created_at"), dt.datetime):
            days.setdefault(h["created_at"].date().isoformat(), []).append(h)
    return {day: {"first_response_median_seconds": _first_response(rows)["median_seconds"],
                  "sla_breaches": sum(1 for h in rows if h.get("sla_breached_at"))}
            for day, rows in days.items()}


def days_in_window(start: dt.date, end: dt.date) -> List[str]:
    days, day = [], start
    while day <= end:
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def window(days: int, now: dt.datetime) -> Tuple[dt.date, dt.date, float]:
    """The last `days` whole UTC days, today included: (first day, today, start epoch)."""
    today = now.astimezone(dt.timezone.utc).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.timezone.utc)
    return first, today, start.timestamp()


# -- satisfaction (actions/csat.py stores each rating as slot `csat_rating`) --

def _ratings(events: Iterable[Json]) -> List[Json]:
    found = []
    for event in events:
        value = event.get("value")
        if (event.get("event") == "slot" and event.get("name") == "csat_rating" and isinstance(value, dict)
                and isinstance(value.get("score"), int) and 1 <= value["score"] <= 5):
            found.append({**value, "day": _day(event["timestamp"]), "sender_id": event.get("sender_id")})
    return found


def _summary(rows: List[Json]) -> Json:
    scores = [r["score"] for r in rows]
    return {"average": round(statistics.mean(scores), 2) if scores else None, "count": len(scores),
            "distribution": {str(n): scores.count(n) for n in range(1, 6)}}


def csat_metrics(events: Iterable[Json], handoffs: Optional[Iterable[Json]] = None) -> Json:
    """CSAT for bot-resolved and human-resolved conversations (average, count,
    distribution), by flow and by the queue of the handoff a person closed,
    and per day."""
    ratings = _ratings(events)
    queues = {str(h.get("id")): h.get("queue") or "general" for h in handoffs or []}
    bot = [r for r in ratings if r.get("kind") == "bot"]
    human = [r for r in ratings if r.get("kind") == "human"]
    by_flow: Dict[str, List[Json]] = {}
    for r in bot:
        by_flow.setdefault(r.get("flow") or "unknown", []).append(r)
    by_queue: Dict[str, List[Json]] = {}
    for r in human:
        by_queue.setdefault(queues.get(str(r.get("handoff_id")), "unknown"), []).append(r)
    per_day: Dict[str, Json] = {}
    for day in {r["day"] for r in ratings}:
        b = [r["score"] for r in bot if r["day"] == day]
        h = [r["score"] for r in human if r["day"] == day]
        per_day[day] = {"csat_bot_average": round(statistics.mean(b), 2) if b else None,
                        "csat_human_average": round(statistics.mean(h), 2) if h else None,
                        "csat_count": len(b) + len(h)}
    comments = [{"score": r["score"], "kind": r.get("kind"), "comment": r["comment"]}
                for r in ratings if r.get("comment")][-20:]
    return {"bot": _summary(bot), "human": _summary(human),
            "by_flow": [{"flow": k, **_summary(v)} for k, v in sorted(by_flow.items())],
            "by_queue": [{"queue": k, **_summary(v)} for k, v in sorted(by_queue.items())],
            "recent_comments": comments, "per_day": per_day}
