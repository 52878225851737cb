"""Verifying the customer at account level, for requests about the account
itself (password, newsletter, deletion, subscriptions...) where there is no
order number to go by.

`AccountFormValidation` is the base of every such form. Forms using it list
`customer_email` among their required slots. It verifies once per
conversation, with the same slots and MAX_ATTEMPTS as actions/verification.py
(both build on VerifyingForm in actions/forms.py):

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

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.messages import utter
from actions.clients.base import BackendError, Json
from actions.common import (MAX_ATTEMPTS, attempts_exhausted, backend_failure, channel_identity,
                            outage, verified_customer)
from actions.forms import EMAIL, VerifyingForm
from actions.verification import identity_matches, verified_slots

__all__ = ["AccountFormValidation", "MAX_ATTEMPTS", "account_unverified", "verify_by_channel"]


async def verify_by_channel(tracker: Tracker) -> Optional[Json]:
    """The one customer the channel identity belongs to, if any (may raise BackendError)."""
    identity = channel_identity(tracker)
    if not identity or identity["type"] not in ("phone", "messenger_psid"):
        return None
    found = await clients.crm().find_customers(**{identity["type"]: identity["value"]})
    matches = [customer for customer in found if identity_matches(customer, identity)]
    return matches[0] if len(matches) == 1 else None


def account_unverified(dispatcher: CollectingDispatcher, tracker: Tracker,
                       reason: str) -> List[EventType]:
    """What an account flow does when its form ended without a verified customer.
    An unverified email (e.g. from "change my email to x@y.com") is forgotten,
    so the next form asks and checks again."""
    forget = [SlotSet("customer_email", None)]
    if tracker.get_slot("backend_down"):
        return forget + [SlotSet("backend_down", None)]  # the outage was already explained
    if attempts_exhausted(tracker):
        utter(dispatcher, "utter_account_verification_failed")
        return forget + [SlotSet("handoff_reason", reason)]
    return forget


class AccountFormValidation(VerifyingForm):
    """Account-level verification; subclasses add their own slots (and their
    own `validate_<slot>` / `extract_<slot>` methods)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        # The channel identity is tried before anything is asked, so a WhatsApp
        # customer is never asked for an email the channel already proves.
        events: List[EventType] = []
        if (not verified_customer(tracker) and not tracker.get_slot("backend_down")
                and not self.steps_aside(tracker)):
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
            return {"customer_email": None, **outage(dispatcher, tracker, error, "looking up the account")}
        matches = [c for c in found if (c.get("email") or "").lower() == email.lower()]
        if len(matches) == 1:
            return verified_slots(matches[0], "email")
        attempts = (tracker.get_slot("verification_attempts") or 0) + 1
        if attempts < MAX_ATTEMPTS:
            utter(dispatcher, "utter_account_email_not_found")
        return {"customer_email": None, "verification_attempts": float(attempts)}
