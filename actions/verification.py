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
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.messages import utter
from actions.clients.base import BackendError, Json, NotFound
from actions.common import (MAX_ATTEMPTS, attempts_exhausted, backend_failure, channel_identity,
                            outage, verified_customer)
from actions.forms import EMAIL, VerifyingForm, order_number


def identity_matches(customer: Json, identity: Optional[Dict[str, str]]) -> bool:
    if not identity:
        return False
    if identity["type"] == "phone":
        digits = lambda value: re.sub(r"\D", "", value or "")  # noqa: E731
        return bool(customer.get("phone")) and digits(customer["phone"]) == digits(identity["value"])
    if identity["type"] == "messenger_psid":
        return bool(customer.get("messenger_psid")) and customer["messenger_psid"] == identity["value"]
    return False


def verified_slots(customer: Json, by: str) -> Dict[Text, Any]:
    return {"customer_verified": True, "customer_id": customer["id"],
            "customer_email": customer.get("email"), "verified_by": by}


def unverified_outcome(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """What an order flow does when its form ended without a verified customer."""
    if tracker.get_slot("backend_down"):
        return [SlotSet("backend_down", None)]  # the outage was already explained
    if attempts_exhausted(tracker):
        utter(dispatcher, "utter_verification_failed")
    return [SlotSet("order_id", None)]


async def verified_order(dispatcher: CollectingDispatcher, tracker: Tracker,
                         doing: str) -> Tuple[Optional[Json], List[EventType]]:
    """The form's order, fetched fresh, if it belongs to the verified customer.

    Otherwise (not verified, outage already explained, unknown or someone
    else's order) says why and returns the events that end the flow.
    """
    order_id = tracker.get_slot("order_id")
    customer_id = verified_customer(tracker)
    if tracker.get_slot("backend_down") or not (customer_id and order_id):
        return None, unverified_outcome(dispatcher, tracker)
    try:
        order = await clients.crm().get_order(order_id)
    except NotFound:
        utter(dispatcher, "utter_order_not_found", order_id=order_id)
        return None, [SlotSet("order_id", None)]
    except BackendError as error:
        return None, backend_failure(dispatcher, tracker, error, f"{doing} order {order_id}")
    if order.get("customer_id") != customer_id:
        utter(dispatcher, "utter_order_not_on_account", order_id=order_id)
        return None, [SlotSet("order_id", None)]
    return order, []


class OrderFormValidation(VerifyingForm):
    """The order number, then the customer verified by the order's own facts:
    the channel identity or the email on the order. Subclasses add their own slots."""

    def anchor(self, tracker: Tracker) -> Optional[str]:
        return tracker.get_slot("order_id")

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        order_id = order_number(value)
        if not order_id:
            utter(dispatcher, "utter_invalid_order_id")
            return {"order_id": None}
        try:
            order = await clients.crm().get_order(order_id)
            customer = await clients.crm().get_customer(order["customer_id"])
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return {"order_id": None}
        except BackendError as error:
            return {"order_id": order_id, **outage(dispatcher, tracker, error, f"looking up order {order_id}")}
        return self.owner_checked(dispatcher, tracker, customer, {"order_id": order_id},
                                  "utter_order_not_on_account")

    @staticmethod
    def owner_checked(dispatcher: CollectingDispatcher, tracker: Tracker, customer: Json,
                      slots: Dict[Text, Any], not_on_account: str) -> Dict[Text, Any]:
        """`slots` when what the customer named (an order, a refund) is theirs, or
        may be once verified; verified at once when the channel proves who writes."""
        current = verified_customer(tracker)
        if current and current != customer["id"]:
            # Another customer's: say no more than for a missing one.
            utter(dispatcher, not_on_account, **slots)
            return {key: None for key in slots}
        if not current and identity_matches(customer, channel_identity(tracker)):
            return {**slots, **verified_slots(customer, "channel")}
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
            return {"order_id": order_id, **outage(dispatcher, tracker, error, f"looking up order {order_id}")}
        return self.email_checked(dispatcher, tracker, customer, email, "utter_email_mismatch")

    @staticmethod
    def email_checked(dispatcher: CollectingDispatcher, tracker: Tracker, customer: Json,
                      email: str, mismatch: str) -> Dict[Text, Any]:
        """Verified when `email` is the customer's; else one more attempt used."""
        if (customer.get("email") or "").lower() == email.lower():
            return {**verified_slots(customer, "email"), "customer_email": email}
        attempts = (tracker.get_slot("verification_attempts") or 0) + 1
        if attempts < MAX_ATTEMPTS:
            utter(dispatcher, mismatch)
        return {"customer_email": None, "verification_attempts": float(attempts)}
