"""Small helpers every action module uses: the latest message, channel
metadata, who is verified, backend failures, idempotency keys and how facts are
written for chat apps. What forms share is in actions/forms.py."""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import utter
from actions.clients.base import BackendError

logger = logging.getLogger(__name__)

# Wrong emails (or latest-order numbers) before a flow stops asking and offers a person.
MAX_ATTEMPTS = 3


def latest_user_event(tracker: Tracker) -> Dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event
    return {}


def channel_identity(tracker: Tracker) -> Optional[Dict[str, str]]:
    """Who the channel says the customer is (e.g. their WhatsApp number), if any."""
    identity = (latest_user_event(tracker).get("metadata") or {}).get("channel_identity")
    if isinstance(identity, dict) and identity.get("type") and identity.get("value"):
        return {"type": str(identity["type"]), "value": str(identity["value"])}
    return None


def idempotency_key(tracker: Tracker, purpose: str) -> str:
    """Same key when Rasa repeats an action for the same message, so a backend
    never creates twice; a new message is a new request."""
    event = latest_user_event(tracker)
    marker = event.get("message_id") or event.get("timestamp") or "start"
    return f"{tracker.sender_id}:{purpose}:{marker}"


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """The values of `entity` the NLU found in the latest message."""
    return [str(e.get("value")) for e in tracker.latest_message.get("entities") or []
            if e.get("entity") == entity and e.get("value") not in (None, "")]


def verified_customer(tracker: Tracker) -> Optional[str]:
    """The verified customer's id for this conversation, if verified."""
    return tracker.get_slot("customer_id") if tracker.get_slot("customer_verified") else None


def attempts_exhausted(tracker: Tracker) -> bool:
    return (tracker.get_slot("verification_attempts") or 0) >= MAX_ATTEMPTS


def backend_failure(dispatcher: CollectingDispatcher, tracker: Tracker,
                    error: BackendError, doing: str) -> List[EventType]:
    """Tells the customer politely, offers a person, and records what failed
    (the handoff shows agents what the bot already tried)."""
    logger.error("backend failure while %s for %s: %s", doing, tracker.sender_id, error)
    utter(dispatcher, "utter_backend_down")
    failures = list(tracker.get_slot("backend_errors") or [])
    failures.append({"system": error.system, "while": doing, "error": error.message,
                     "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
    return [SlotSet("backend_errors", failures[-10:])]


def offer_person(dispatcher: CollectingDispatcher, response: str, reason: str) -> List[EventType]:
    """Says `response` (which offers a person) and records why for the handoff."""
    utter(dispatcher, response)
    return [SlotSet("handoff_reason", reason)]


def outage(dispatcher: CollectingDispatcher, tracker: Tracker, error: BackendError,
           doing: str) -> Dict[Text, Any]:
    """backend_failure inside a form: the slots that end it (`backend_down`, the
    flow's action then says nothing more) with the failure recorded."""
    events = backend_failure(dispatcher, tracker, error, doing)
    return {"backend_down": True, "backend_errors": events[0]["value"]}


def friendly_date(iso_date: Optional[str]) -> str:
    """'2026-11-24' -> 'Tuesday, November 24' (what people write in chats)."""
    if not iso_date:
        return "unknown"
    try:
        day = dt.date.fromisoformat(iso_date[:10])
    except ValueError:
        return iso_date
    return f"{day:%A}, {day:%B} {day.day}"


def item_names(order: Dict[str, Any]) -> str:
    names = [item.get("name") or item.get("sku", "item") for item in order.get("items", [])]
    return ", ".join(names) if names else "your items"


def money(amount: Any) -> str:
    """'113.05' -> '$113.05' (the backends' decimal strings, as customers read them)."""
    try:
        return f"${Decimal(str(amount)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(amount)


def mask_email(email: Optional[str]) -> str:
    """'maya.patel@example.com' -> 'm***@example.com': enough to recognise, little to leak."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if local and domain else "the email on your account"


def listed(names: Iterable[str]) -> str:
    """['Visa', 'PayPal', 'Apple Pay'] -> 'Visa, PayPal and Apple Pay'."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
