"""Small helpers every action module uses: channel metadata, backend failures,
idempotency keys and how facts are written for chat apps."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import utter
from actions.clients.base import BackendError

logger = logging.getLogger(__name__)

# Intents that interrupt a form instead of answering its question: the form
# must not swallow "what's your return policy?" as an order number.
INTERRUPTIONS = {
    "stop", "deny", "greet", "goodbye", "thank_you", "bot_challenge", "out_of_scope",
    "contact_human_agent", "contact_customer_service", "complaint",
    "check_refund_policy", "delivery_options", "delivery_period", "check_payment_methods",
    "check_cancellation_fee", "ask_support_hours", "ask_return_policy", "place_order",
    "nlu_fallback",
}


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
