"""Verifying the customer at account level, for requests about the account
itself (password, newsletter, deletion, subscriptions...) where there is no
order number to go by.

`AccountFormValidation` is the base of every such form. Forms using it list
`customer_email` among their required slots. It verifies once per
conversation, with the same slots and MAX_ATTEMPTS as actions/verification.py:

- by channel identity: the channel says who the customer is (a WhatsApp number
  or Messenger id, see docs/ARCHITECTURE.md) and the CRM has exactly one
  account with it: no question asked;
- else by email: an account with that email exists. A wrong email reveals
  nothing ("I couldn't find an account with that email"); after MAX_ATTEMPTS
  the form ends and the flow's action offers a person.

If the customer is already verified in this conversation nothing is asked.
An outage ends the form with `backend_down` set (already explained through
actions.common.backend_failure); the flow's action then says nothing more.
"""
from __future__ import annotations

from abc import abstractmethod

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.messages import utter
from actions.clients.base import BackendError, Json
from actions.common import INTERRUPTIONS, backend_failure, channel_identity, latest_intent
from actions.switching import REQUEST_STARTERS
from actions.verification import (EMAIL, MAX_ATTEMPTS, ORDER_NUMBER, attempts_exhausted,
                                  identity_matches, verified_customer)

__all__ = ["AccountFormValidation", "MAX_ATTEMPTS", "verify_by_channel"]


async def verify_by_channel(tracker: Tracker) -> Optional[Json]:
    """The one customer the channel identity belongs to, if any (may raise BackendError)."""
    identity = channel_identity(tracker)
    if not identity or identity["type"] not in ("phone", "messenger_psid"):
        return None
    found = await clients.crm().find_customers(**{identity["type"]: identity["value"]})
    matches = [customer for customer in found if identity_matches(customer, identity)]
    return matches[0] if len(matches) == 1 else None


def verified_slots(customer: Json, by: str) -> Dict[Text, Any]:
    return {"customer_verified": True, "customer_id": customer["id"],
            "customer_email": customer.get("email"), "verified_by": by}


class AccountFormValidation(FormValidationAction):
    """Account-level verification; subclasses add their own slots (and their
    own `validate_<slot>` / `extract_<slot>` methods)."""

    @abstractmethod
    def name(self) -> Text:
        """Abstract, so that rasa-sdk registers only the concrete forms (a
        non-abstract base with a failing name() crashes the action server)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        # The channel identity is tried before anything is asked, so a WhatsApp
        # customer is never asked for an email the channel already proves.
        events: List[EventType] = []
        if not verified_customer(tracker) and not tracker.get_slot("backend_down"):
            try:
                customer = await verify_by_channel(tracker)
            except BackendError as error:
                failure = backend_failure(dispatcher, tracker, error, "verifying the customer")
                return failure + [SlotSet("backend_down", True), SlotSet("requested_slot", None)]
            if customer:
                slots = verified_slots(customer, "channel")
                tracker.slots.update(slots)
                events = [SlotSet(key, value) for key, value in slots.items()]
        return events + await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        # An outage or too many wrong emails ends the form; its action explains.
        if tracker.get_slot("backend_down") or attempts_exhausted(tracker):
            return []
        if verified_customer(tracker):
            return [slot for slot in domain_slots if slot != "customer_email"]
        return list(domain_slots)

    async def extract_customer_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "customer_email":
            return {}
        text = tracker.latest_message.get("text") or ""
        found = EMAIL.search(text)
        if found:
            return {"customer_email": found.group(0)}
        # "what's your refund policy?" or "actually, cancel my order" is not an
        # answer: leave it to the rules (policy answer, switching requests).
        if latest_intent(tracker) not in INTERRUPTIONS | set(REQUEST_STARTERS) \
                and not ORDER_NUMBER.search(text):
            return {"customer_email": text}  # validation explains what an email looks like
        return {}

    async def validate_customer_email(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if verified_customer(tracker):
            return {"customer_email": tracker.get_slot("customer_email") or value}
        email = str(value or "").strip()
        if not EMAIL.fullmatch(email):
            utter(dispatcher, "utter_invalid_email")
            return {"customer_email": None}
        try:
            found = await clients.crm().find_customers(email=email)
        except BackendError as error:
            events = backend_failure(dispatcher, tracker, error, "looking up the account")
            return {"customer_email": None, "backend_down": True,
                    "backend_errors": events[0]["value"]}
        matches = [c for c in found if (c.get("email") or "").lower() == email.lower()]
        if len(matches) == 1:
            return verified_slots(matches[0], "email")
        attempts = (tracker.get_slot("verification_attempts") or 0) + 1
        if attempts < MAX_ATTEMPTS:
            utter(dispatcher, "utter_account_email_not_found")
        return {"customer_email": None, "verification_attempts": float(attempts)}
