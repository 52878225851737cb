"""Small helpers every action module uses: the latest message, channel
metadata, who is verified, backend failures, idempotency keys and how facts are
written for chat apps. What forms share is in actions/shared/forms.py."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.shared.language import answering
from actions.shared.messages import utter
from actions.clients.base import BackendError

logger = logging.getLogger(__name__)

# Wrong emails (or latest-order numbers) before a flow stops asking and offers a person.
MAX_ATTEMPTS = 3


def latest_user_event(tracker: Tracker) -> Dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event
    return {}


# Channels whose connectors check the provider's signature on every webhook
# (addons/channels/), and the kind of identity each one proves. Their
# conversation ids are the provider's ids; every other channel's ids are
# namespaced ("rest:...", "callback:..."), so no other caller can name them.
VERIFIED_CHANNELS = {"whatsapp": "phone", "twilio_whatsapp": "phone", "messenger": "messenger_psid"}


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def channel_identity(tracker: Tracker) -> Optional[Dict[str, str]]:
    """Who a signature-verified channel says the customer is (their WhatsApp
    number, their Messenger id), if any.

    It counts only when the latest message came through such a channel and the
    identity is the conversation's own id; identity claimed by anyone else
    (e.g. metadata posted to the REST channel) is ignored."""
    event = latest_user_event(tracker)
    kind = VERIFIED_CHANNELS.get(event.get("input_channel") or "")
    identity = (event.get("metadata") or {}).get("channel_identity")
    if not kind or not isinstance(identity, dict) or identity.get("type") != kind:
        return None
    value, sender = str(identity.get("value") or ""), str(tracker.sender_id or "")
    same = (_digits(value) == _digits(sender) and sender.lstrip("+").isdigit() if kind == "phone"
            else value == sender)
    return {"type": kind, "value": value} if value and same else None


def idempotency_key(tracker: Tracker, purpose: str) -> str:
    """Same key when Rasa repeats an action for the same message, so a backend
    never creates twice; a new message is a new request. The conversation id
    (a phone number on WhatsApp) is hashed: keys end up in backends' logs."""
    event = latest_user_event(tracker)
    marker = event.get("message_id") or event.get("timestamp") or "start"
    conversation = hashlib.sha256(str(tracker.sender_id).encode()).hexdigest()[:16]
    return f"{conversation}:{purpose}:{marker}"


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """The values of `entity` the NLU found in the latest message."""
    return [str(e.get("value")) for e in tracker.latest_message.get("entities") or []
            if e.get("entity") == entity and e.get("value") not in (None, "")]


ACCOUNT_PROOFS = ("channel", "code")


def account_customer(tracker: Tracker) -> Optional[str]:
    """The customer's id when they proved they own the account: by a verified
    channel, or by a one-time code. Needed to change anything on the account
    or to see more than one order (docs/security.md)."""
    if tracker.get_slot("customer_verified") and tracker.get_slot("verified_by") in ACCOUNT_PROOFS:
        return tracker.get_slot("customer_id")
    return None


def order_customer(tracker: Tracker, order_id: Optional[str]) -> Optional[str]:
    """The customer's id when `order_id` is proven theirs: the whole account is
    (account_customer), or they gave this order's number and email (slot
    `verified_orders`). An email proves one order, not the account."""
    if account_customer(tracker):
        return account_customer(tracker)
    if (tracker.get_slot("customer_verified") and order_id
            and order_id in (tracker.get_slot("verified_orders") or [])):
        return tracker.get_slot("customer_id")
    return None


def verified_customer(tracker: Tracker) -> Optional[str]:
    """The customer's id when what the conversation is about (the order in
    slot `order_id`, or the whole account) is proven theirs."""
    return order_customer(tracker, tracker.get_slot("order_id"))


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


# How each answered language writes a date in a chat (Babel's CLDR patterns;
# Babel is pinned in requirements.lock, installed with Rasa).
DATE_PATTERNS = {"es": "EEEE d 'de' MMMM"}


def friendly_date(iso_date: Optional[str]) -> str:
    """'2026-11-24' -> 'Tuesday, November 24' ('martes 24 de noviembre' in a
    Spanish conversation): what people write in chats."""
    if not iso_date:
        return "unknown"
    try:
        day = dt.date.fromisoformat(iso_date[:10])
    except ValueError:
        return iso_date
    language = answering()
    if language in DATE_PATTERNS:
        from babel.dates import format_date

        return format_date(day, DATE_PATTERNS[language], locale=language)
    return f"{day:%A}, {day:%B} {day.day}"


# "month"/"months" in the languages the bot answers in (a count goes before it)
MONTH_WORDS = {"en": ("month", "months"), "es": ("mes", "meses")}


def month_word(count: Any) -> str:
    """'month' or 'months' ('mes'/'meses' in a Spanish conversation) for `count`."""
    singular, plural = MONTH_WORDS.get(answering(), MONTH_WORDS["en"])
    return singular if int(count or 0) == 1 else plural


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
