"""Noticing, after every customer message, when a person should take over.

Rasa runs `action_validate_slot_mappings` after each message; this one sets
the `escalation` slot, which data/rules/handoff.yml turns into a handoff:
- `frustrated`: this message and the one before were frustrated (the
  sentiment component's verdict in the parse data: negative, shouting,
  "third time", profanity);
- `sensitive`: legal threats, chargebacks and payment disputes, account
  security: never left to the bot.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

SENSITIVE_TOPICS = {
    "Legal threat": re.compile(r"\b(lawyer|attorney|legal action|sue|suing|lawsuit|court|small claims)\b", re.I),
    "Chargeback or payment dispute": re.compile(r"\b(charge ?back|dispute|disputing|fraud(ulent)?)\b", re.I),
    "Account security": re.compile(r"\b(hack(ed|er)?|stolen|unauthori[sz]ed|someone else (logged|used)|compromised)\b", re.I),
}


def _user_events(tracker: Tracker) -> List[Dict[str, Any]]:
    return [e for e in tracker.events if e.get("event") == "user"]


def _frustrated(event: Dict[str, Any]) -> bool:
    return bool(((event.get("parse_data") or {}).get("sentiment") or {}).get("frustrated"))


def sensitive_topic(text: str) -> Optional[str]:
    for topic, pattern in SENSITIVE_TOPICS.items():
        if pattern.search(text or ""):
            return topic
    return None


def escalation_for(tracker: Tracker) -> tuple[Optional[str], Optional[str]]:
    """(escalation slot value, handoff reason) for the latest message."""
    users = _user_events(tracker)
    if not users:
        return None, None
    topic = sensitive_topic(users[-1].get("text") or "")
    if topic:
        return "sensitive", f"{topic}: \"{users[-1].get('text', '')[:120]}\""
    if len(users) >= 2 and _frustrated(users[-1]) and _frustrated(users[-2]):
        return "frustrated", "Customer frustrated in two messages in a row"
    return None, None


class ValidateSlotMappings(ValidationAction):
    async def extract_escalation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        if tracker.is_paused():
            return {}
        escalation, reason = escalation_for(tracker)
        if escalation is None:
            return {"escalation": None} if tracker.get_slot("escalation") else {}
        return {"escalation": escalation, "handoff_reason": reason}

    async def validate_escalation(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"escalation": value}
