"""Verifying the customer before any personal data is shown or changed.

`OrderFormValidation` is the base of every form that acts on one order: it
asks for the order number, then verifies the customer once per conversation,
by the channel identity when the channel gives one (a WhatsApp number that
matches the customer's phone) or by the email address on the order. A wrong
email reveals nothing; after MAX_ATTEMPTS the form ends and the flow's action
offers a person instead of asking again. An order of another customer is
reported as "not found on your account", never shown.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.messages import utter
from actions.clients.base import BackendError, Json, NotFound
from actions.common import INTERRUPTIONS, backend_failure, channel_identity, latest_intent

MAX_ATTEMPTS = 3
ORDER_NUMBER = re.compile(r"(?<![\w-])#?(\d{4,12})(?![\w-])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def identity_matches(customer: Json, identity: Optional[Dict[str, str]]) -> bool:
    if not identity:
        return False
    if identity["type"] == "phone":
        digits = lambda value: re.sub(r"\D", "", value or "")  # noqa: E731
        return bool(customer.get("phone")) and digits(customer["phone"]) == digits(identity["value"])
    if identity["type"] == "messenger_psid":
        return bool(customer.get("messenger_psid")) and customer["messenger_psid"] == identity["value"]
    return False


def verified_customer(tracker: Tracker) -> Optional[str]:
    """The verified customer's id for this conversation, if verified."""
    return tracker.get_slot("customer_id") if tracker.get_slot("customer_verified") else None


def attempts_exhausted(tracker: Tracker) -> bool:
    return (tracker.get_slot("verification_attempts") or 0) >= MAX_ATTEMPTS


class OrderFormValidation(FormValidationAction):
    """Shared order-number and verification steps; subclasses add their own slots."""

    @abstractmethod
    def name(self) -> Text:
        """Abstract, so that rasa-sdk registers only the concrete forms."""

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        # An outage or too many wrong emails ends the form; its action explains.
        if tracker.get_slot("backend_down") or attempts_exhausted(tracker):
            return []
        if verified_customer(tracker):
            return [slot for slot in domain_slots if slot != "customer_email"]
        return list(domain_slots)

    # -- extraction: take free text only when it answers the question asked --

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") != "order_id":
            return {}
        found = ORDER_NUMBER.search(text)
        if found:
            return {"order_id": found.group(1)}
        if latest_intent(tracker) not in INTERRUPTIONS:
            return {"order_id": text}  # validation explains what an order number looks like
        return {}

    async def extract_customer_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "customer_email":
            return {}
        text = tracker.latest_message.get("text") or ""
        found = EMAIL.search(text)
        if found:
            return {"customer_email": found.group(0)}
        if latest_intent(tracker) not in INTERRUPTIONS and not ORDER_NUMBER.search(text):
            return {"customer_email": text}
        return {}

    # -- validation --

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = ORDER_NUMBER.search(str(value or ""))
        if not found:
            utter(dispatcher, "utter_invalid_order_id")
            return {"order_id": None}
        order_id = found.group(1)
        try:
            order = await clients.crm().get_order(order_id)
            customer = await clients.crm().get_customer(order["customer_id"])
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return {"order_id": None}
        except BackendError as error:
            return self._outage(dispatcher, tracker, error, order_id)
        current = verified_customer(tracker)
        if current and current != customer["id"]:
            # Another customer's order: say no more than for a missing one.
            utter(dispatcher, "utter_order_not_on_account", order_id=order_id)
            return {"order_id": None}
        slots: Dict[Text, Any] = {"order_id": order_id}
        if not current and identity_matches(customer, channel_identity(tracker)):
            slots.update(customer_verified=True, customer_id=customer["id"],
                         customer_email=customer["email"], verified_by="channel")
        return slots

    async def validate_customer_email(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if verified_customer(tracker):
            return {"customer_email": value}
        email = str(value or "").strip()
        if not EMAIL.fullmatch(email):
            utter(dispatcher, "utter_invalid_email")
            return {"customer_email": None}
        order_id = tracker.get_slot("order_id")
        if not order_id:
            return {"customer_email": email}  # checked once the order number is known
        try:
            order = await clients.crm().get_order(order_id)
            customer = await clients.crm().get_customer(order["customer_id"])
        except NotFound:
            return {"order_id": None, "customer_email": None}
        except BackendError as error:
            return self._outage(dispatcher, tracker, error, order_id)
        if customer.get("email", "").lower() == email.lower():
            return {"customer_email": email, "customer_verified": True,
                    "customer_id": customer["id"], "verified_by": "email"}
        attempts = (tracker.get_slot("verification_attempts") or 0) + 1
        if attempts < MAX_ATTEMPTS:
            utter(dispatcher, "utter_email_mismatch")
        return {"customer_email": None, "verification_attempts": float(attempts)}

    @staticmethod
    def _outage(dispatcher: CollectingDispatcher, tracker: Tracker, error: BackendError,
                order_id: str) -> Dict[Text, Any]:
        events = backend_failure(dispatcher, tracker, error, f"looking up order {order_id}")
        return {"order_id": order_id, "backend_down": True, "backend_errors": events[0]["value"]}
