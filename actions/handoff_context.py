"""The context package an agent gets with a handoff, built from the tracker.

Everything here comes from what the conversation already holds (events and
slots), so the agent sees what the customer said and what the bot did, and
the customer never has to repeat themselves.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.escalation import sensitive_topic
from actions.shared import language as languages
from actions.shared.requests import QUEUES

Json = Dict[str, Any]

# Which team takes a conversation, by the request it was about.
TEAM_NAMES = {"returns": "returns", "billing": "billing", "orders": "orders",
              "account": "account", "general": "customer support"}
HIGH_VALUE = re.compile(r"over \$500|\$(?:[5-9]\d\d|\d{4,})(?:\.\d\d)?")
SKIPPED_ACTIONS = {"action_listen", "action_session_start", "action_extract_slots",
                   "action_handoff", None}
SHOWN_SLOTS = ("customer_id", "customer_verified", "verified_by", "verified_orders", "account_candidate",
               "customer_email", "order_id",
               "verification_attempts", "handoff_reason")


def transcript(tracker: Tracker) -> List[Json]:
    lines = []
    for event in tracker.events:
        if event.get("event") == "user" and (event.get("text") or "").strip():
            lines.append({"role": "customer", "text": event["text"],
                          "timestamp": event.get("timestamp")})
        elif event.get("event") == "bot" and event.get("text"):
            lines.append({"role": "bot", "text": event["text"], "timestamp": event.get("timestamp")})
    return lines


def understood(tracker: Tracker) -> List[Json]:
    """Per customer message: intent, confidence, entities and sentiment."""
    turns = []
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        sentiment = parse.get("sentiment") or {}
        turns.append({
            "text": event.get("text"), "intent": intent.get("name"),
            "confidence": round(float(intent.get("confidence") or 0), 3),
            "entities": [{"entity": e.get("entity"), "value": e.get("value")}
                         for e in parse.get("entities", [])],
            "sentiment": sentiment.get("compound"), "frustrated": bool(sentiment.get("frustrated")),
        })
    return turns


def actions_tried(tracker: Tracker) -> List[str]:
    names = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    return [n for n in names if n not in SKIPPED_ACTIONS]


def main_intent(turns: List[Json]) -> Optional[str]:
    """The last request the customer made (small talk and answers don't count)."""
    ignore = {"inform", "affirm", "deny", "greet", "thank_you", "goodbye", "stop", "nlu_fallback",
              "contact_human_agent", "contact_customer_service", "complaint", "out_of_scope", "other_language",
              "bot_challenge", None}
    for turn in reversed(turns):
        if turn["intent"] not in ignore:
            return turn["intent"]
    return None


def queue_for(intent: Optional[str], reason: str) -> str:
    for queue, intents in QUEUES.items():
        if intent in intents:
            return queue
    lowered = reason.lower()
    for queue, words in (("returns", ("return", "rma")), ("billing", ("refund", "charge", "payment", "invoice", "subscription", "plus")),
                         ("orders", ("order", "delivery", "shipping")), ("account", ("account", "password"))):
        # whole words only: "rma" is in "German"
        if any(re.search(rf"\b{word}", lowered) for word in words):
            return queue
    return "general"


def priority_for(turns: List[Json], reason: str) -> str:
    frustrated = any(t["frustrated"] for t in turns[-3:])
    texts = " ".join(t["text"] or "" for t in turns)
    if frustrated or sensitive_topic(texts) or sensitive_topic(reason) or HIGH_VALUE.search(reason):
        return "high"
    return "normal"


def fresh_reason(tracker: Tracker) -> Optional[str]:
    """`handoff_reason` if it was set for this request: by this turn, or by the
    offer of a person the customer is answering now. A reason from an offer
    they declined earlier ("no thanks") no longer explains a later handoff."""
    reason, customer_turns_since = None, 0
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == "handoff_reason":
            reason, customer_turns_since = event.get("value"), 0
        elif event.get("event") == "user":
            customer_turns_since += 1
    return reason if reason and customer_turns_since <= 1 else None


def default_reason(turns: List[Json], language: str = languages.DEFAULT) -> str:
    last = turns[-1]["intent"] if turns else None
    if last == "other_language":
        return f"Customer writes in {languages.NAMES.get(language, language)}"
    return {"contact_human_agent": "Customer asked for a person",
            "contact_customer_service": "Customer asked for customer service",
            "complaint": "Complaint"}.get(last or "", "Customer needs a person")


def summary_for(reason: str, intent: Optional[str], slots: Json, customer: Optional[Json],
                order: Optional[Json], failures: List[Json]) -> str:
    """One line an agent can act on, written from facts only."""
    parts = [reason.rstrip(".")]
    if order and order.get("id") not in reason:
        items = ", ".join(i.get("name", "") for i in order.get("items", []))
        parts.append(f"order {order['id']} ({order.get('status')}, {items}, ${order.get('total')})")
    elif slots.get("order_id") and slots["order_id"] not in reason:
        parts.append(f"order {slots['order_id']}")
    if intent and intent.replace("_", " ") not in reason.lower():
        parts.append(f"was asking: {intent.replace('_', ' ')}")
    who = (f"{customer['name']} (verified by {slots.get('verified_by') or 'email'})" if customer
           else "customer not verified")
    parts.append(who)
    if failures:
        parts.append(f"{len(failures)} backend error(s): {failures[-1].get('system')} {failures[-1].get('error')}")
    return "; ".join(parts)


def build_package(tracker: Tracker, reason: Optional[str], customer: Optional[Json],
                  order: Optional[Json], status: str) -> Json:
    turns = understood(tracker)
    language = tracker.get_slot("language") or languages.DEFAULT
    reason = reason or default_reason(turns, language)
    intent = main_intent(turns)
    slots = {name: tracker.get_slot(name) for name in SHOWN_SLOTS}
    failures = list(tracker.get_slot("backend_errors") or [])
    return {
        "sender_id": tracker.sender_id,
        "input_channel": tracker.get_latest_input_channel() or "rest",
        "status": status,
        "reason": reason,
        "queue": queue_for(intent, reason),
        "priority": priority_for(turns, reason),
        "summary": summary_for(reason, intent, slots, customer, order, failures),
        "transcript": transcript(tracker),
        # the inbox routes to agents who speak it and suggests replies in it
        "language": language,
        "context": {
            "language": language,
            "customer": customer, "order": order, "slots": slots, "intents": turns,
            "sentiment_trend": [t["sentiment"] for t in turns if t["sentiment"] is not None],
            "actions_tried": actions_tried(tracker), "backend_errors": failures,
            "main_request": intent,
        },
    }
