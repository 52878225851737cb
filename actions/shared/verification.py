"""Verifying the customer before any personal data is shown or changed.

`Proof` is the part of a form (its `proof` attribute, see
actions/shared/forms.py) that verifies the customer before the form asks
anything else. `OrderProof` serves every form that acts on one order: it
asks for the order number, then proves the order is the customer's: by the
identity a signature-verified channel gives (a WhatsApp number that matches
the customer's phone: the whole account is proven), or by the email address on
the order (that order only: slot `verified_orders`; another order needs its
own number and email, see docs/security.md). The CRM checks the email and
counts failures per order and per customer, so a wrong email reveals nothing
and a lockout survives /restart and new conversations; after MAX_ATTEMPTS the
form ends and the flow's action offers a person instead of asking again. An
order of another customer is reported as "not found on your account", never
shown.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clients
from actions.shared.messages import utter
from actions.clients.base import BackendError, Json, NotFound
from actions.shared.common import (MAX_ATTEMPTS, account_customer, attempts_exhausted, backend_failure,
                                   channel_identity, latest_text, outage, verified_customer)
from actions.shared.forms import EMAIL, order_number

if TYPE_CHECKING:
    from actions.shared.forms import CustomerForm


def identity_matches(customer: Json, identity: Optional[Dict[str, str]]) -> bool:
    if not identity:
        return False
    if identity["type"] == "phone":
        digits = lambda value: re.sub(r"\D", "", value or "")  # noqa: E731
        return bool(customer.get("phone")) and digits(customer["phone"]) == digits(identity["value"])
    if identity["type"] == "messenger_psid":
        return bool(customer.get("messenger_psid")) and customer["messenger_psid"] == identity["value"]
    return False


def verified_slots(customer: Json, by: str, tracker: Optional[Tracker] = None,
                   order_id: Optional[str] = None) -> Dict[Text, Any]:
    """The slots saying who the customer is and what they proved.

    `by` is "channel" or "code" (the whole account) or "email" (one order:
    `order_id` joins `verified_orders`, and the email is forgotten so that
    another order is asked for its own). A proof of one order never lowers an
    account-level proof of the same customer."""
    slots: Dict[Text, Any] = {"customer_verified": True, "customer_id": customer["id"],
                              "customer_email": customer.get("email"), "verified_by": by}
    same_customer = bool(tracker) and tracker.get_slot("customer_id") == customer["id"]
    orders = list(tracker.get_slot("verified_orders") or []) if same_customer else []
    if by == "email":
        if same_customer and account_customer(tracker):
            slots["verified_by"] = tracker.get_slot("verified_by")
        orders = sorted(set(orders) | {order_id}) if order_id else orders
        # Spent on this order: the next order is asked for its own email.
        slots["customer_email"] = None
    slots["verified_orders"] = orders
    return slots


def failed_attempt(dispatcher: CollectingDispatcher, tracker: Tracker, result: Json,
                   mismatch: str, slot: str = "customer_email") -> Dict[Text, Any]:
    """One more failed proof. The backend counts attempts across conversations;
    the slot mirrors its count, so a lockout from an earlier conversation (or
    before /restart) ends this one at once."""
    attempts = (tracker.get_slot("verification_attempts") or 0) + 1
    left = result.get("attempts_left")
    if result.get("reason") == "locked":
        attempts = MAX_ATTEMPTS
    elif isinstance(left, int):
        attempts = max(attempts, MAX_ATTEMPTS - left)
    if attempts < MAX_ATTEMPTS:
        utter(dispatcher, mismatch)
    return {slot: None, "verification_attempts": float(attempts)}


async def email_proof(dispatcher: CollectingDispatcher, tracker: Tracker, order_id: str,
                      email: str, mismatch: str) -> Dict[Text, Any]:
    """Asks the CRM whether `email` is the one on the order (it counts failures)."""
    try:
        result = await clients.crm().check_order_owner(order_id, email)
        customer = await clients.crm().get_customer(result["customer_id"]) if result.get("verified") else None
    except NotFound:
        return {"order_id": None, "customer_email": None}
    except BackendError as error:
        return {"order_id": order_id, **outage(dispatcher, tracker, error, f"checking order {order_id}")}
    if customer:
        return verified_slots(customer, "email", tracker, order_id)
    return failed_attempt(dispatcher, tracker, result, mismatch)


def unverified_outcome(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """What an order flow does when its form ended without a verified customer."""
    if tracker.get_slot("backend_down"):
        return [SlotSet("backend_down", None)]  # the outage was already explained
    if attempts_exhausted(tracker):
        # The order stays named, so the person offered (and the inbox's unlock) knows it.
        utter(dispatcher, "utter_verification_failed")
        return []
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


def owner_checked(dispatcher: CollectingDispatcher, tracker: Tracker, customer: Json,
                  slots: Dict[Text, Any], not_on_account: str) -> Dict[Text, Any]:
    """`slots` when what the customer named (an order, a refund) is theirs, or
    may be once verified; verified at once when the channel proves who writes."""
    current = tracker.get_slot("customer_id") if tracker.get_slot("customer_verified") else None
    if current and current != customer["id"]:
        # Another customer's: say no more than for a missing one.
        utter(dispatcher, not_on_account, **slots)
        return {key: None for key in slots}
    if not account_customer(tracker) and identity_matches(customer, channel_identity(tracker)):
        return {**slots, **verified_slots(customer, "channel", tracker)}
    return slots


class Proof:
    """How a form's customer proves who they are: the slots it asks (until it
    holds), how it reads and checks them. The form calls it; it keeps no state
    (everything is in the tracker's slots)."""

    # The slots that prove who the customer is; not asked once proven.
    slots: Tuple[str, ...] = ("customer_email",)

    def proven(self, tracker: Tracker) -> Optional[str]:
        """The customer's id once they proved what the form acts on."""
        return verified_customer(tracker)

    def anchor(self, tracker: Tracker) -> Optional[str]:
        """What an email is checked against; None when it is checked on its own."""
        return None

    def plainly_answers(self, tracker: Tracker) -> bool:
        """Whether the latest message plainly answers a proof question, whatever its intent."""
        return False

    async def prepare(self, form: "CustomerForm", dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> Tuple[List[EventType], bool]:
        """Events before the form runs, and whether they end its turn."""
        return [], False

    # -- reading answers: free text only when it answers the question asked --

    async def extract_order_id(self, form: "CustomerForm", tracker: Tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "order_id":
            return {}
        found = order_number(latest_text(tracker))
        if found:
            return {"order_id": found}
        if not form.not_an_answer(tracker):
            return {"order_id": latest_text(tracker)}  # validation explains what an order number looks like
        return {}

    async def extract_customer_email(self, form: "CustomerForm", tracker: Tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "customer_email":
            return {}
        text = latest_text(tracker)
        found = EMAIL.search(text)
        if found:
            return {"customer_email": found.group(0)}
        # "what's your refund policy?" or "actually, where is my package?" is no email.
        if not form.not_an_answer(tracker) and not order_number(text):
            return {"customer_email": text}  # validation explains what an email looks like
        return {}

    async def extract_verification_code(self, form: "CustomerForm", tracker: Tracker) -> Dict[Text, Any]:
        return {}

    # -- checking answers --

    async def validate_order_id(self, form: "CustomerForm", value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker) -> Dict[Text, Any]:
        return {"order_id": value}

    async def validate_customer_email(self, form: "CustomerForm", value: Any,
                                      dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        return {"customer_email": value}

    async def validate_verification_code(self, form: "CustomerForm", value: Any,
                                         dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        return {"verification_code": value}


class OrderProof(Proof):
    """The order number, then the customer verified by the order's own facts:
    the channel identity or the email on the order (that order only).

    `anchors`: the slots an email is checked against, in order (a refund form
    checks the refund's order: ("refund_id", "order_id"))."""

    def __init__(self, anchors: Tuple[str, ...] = ("order_id",)) -> None:
        self.anchors = anchors

    def anchor(self, tracker: Tracker) -> Optional[str]:
        return next((tracker.get_slot(slot) for slot in self.anchors if tracker.get_slot(slot)), None)

    async def validate_order_id(self, form: "CustomerForm", value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker) -> Dict[Text, Any]:
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
        return owner_checked(dispatcher, tracker, customer, {"order_id": order_id}, "utter_order_not_on_account")

    async def validate_customer_email(self, form: "CustomerForm", value: Any,
                                      dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        if verified_customer(tracker):
            return {"customer_email": value}
        email = str(value or "").strip()
        if not EMAIL.fullmatch(email):
            utter(dispatcher, "utter_invalid_email")
            return {"customer_email": None}
        order_id = tracker.get_slot("order_id")
        if not order_id:
            return {"customer_email": email}  # checked once the order number is known
        return await email_proof(dispatcher, tracker, order_id, email, form.mismatch_message(tracker))
