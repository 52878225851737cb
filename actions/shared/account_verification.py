"""Proving that the account is the customer's, for requests about the account
itself (details, newsletter, deletion, membership) where there is no order
number to go by. See docs/security.md for the levels of proof.

`AccountProof` is the proof (see actions/shared/forms.py) of every such form.
Forms with it list `customer_email` and, when they change something,
`verification_code` among their required slots:

- by channel identity: a signature-verified channel says who writes (their
  WhatsApp number or Messenger id) and the CRM has exactly one account with
  it: nothing is asked;
- else the email names the account (`account_candidate`), and a six-digit
  one-time code is sent to the email on file; the customer types it here. The
  CRM checks the code and counts failures per customer, so a lockout survives
  /restart, new sessions and new conversation ids.

An email alone proves nothing here: it only says where the code goes. The one
exception is `AccountProof("email")` (password reset), where the bot changes nothing
and the reset link goes to the email on file anyway.

If the account is already proven in this conversation nothing is asked. An
outage ends the form with `backend_down` set (already explained through
actions.shared.common.backend_failure); the flow's action then says nothing more.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clients
from actions.shared.messages import utter
from actions.clients.base import BackendError, Json, Rejected
from actions.shared.common import (MAX_ATTEMPTS, account_customer, attempts_exhausted, backend_failure,
                                   channel_identity, latest_text, mask_email, outage)
from actions.shared.forms import EMAIL, slot_before_latest_message
from actions.shared.verification import Proof, failed_attempt, identity_matches, verified_slots

if TYPE_CHECKING:
    from actions.shared.forms import CustomerForm

__all__ = ["AccountProof", "MAX_ATTEMPTS", "account_unverified", "verify_by_channel", "email_account"]

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
CODE_SLOTS = ("verification_code", "code_sent_to")


async def verify_by_channel(tracker: Tracker) -> Optional[Json]:
    """The one customer the channel identity belongs to, if any (may raise BackendError)."""
    identity = channel_identity(tracker)
    if not identity:
        return None
    found = await clients.crm().find_customers(**{identity["type"]: identity["value"]})
    matches = [customer for customer in found if identity_matches(customer, identity)]
    return matches[0] if len(matches) == 1 else None


def email_account(tracker: Tracker) -> Optional[str]:
    """The account a proven customer, or else the email given, names: enough
    to send something to the email on file, never to show or change anything."""
    return account_customer(tracker) or tracker.get_slot("account_candidate")


def account_unverified(dispatcher: CollectingDispatcher, tracker: Tracker,
                       reason: str) -> List[EventType]:
    """What an account flow does when its form ended without a proven account.
    The email and any code are forgotten, so the next form asks and checks again."""
    forget = [SlotSet(slot, None) for slot in ("customer_email",) + CODE_SLOTS]
    if tracker.get_slot("backend_down"):
        return forget + [SlotSet("account_candidate", None), SlotSet("backend_down", None)]
    if attempts_exhausted(tracker):
        # The account stays named (it proves nothing), so the person offered can unlock it.
        utter(dispatcher, "utter_account_verification_failed")
        return forget + [SlotSet("handoff_reason", reason)]
    return forget + [SlotSet("account_candidate", None)]


class AccountProof(Proof):
    """Account-level proof. `level` "code": a one-time code to the email on
    file; "email": the email only names the account (nothing is shown or
    changed, e.g. a reset link to the email on file)."""

    slots = ("customer_email",) + CODE_SLOTS

    def __init__(self, level: str = "code") -> None:
        self.level = level

    def proven(self, tracker: Tracker) -> Optional[str]:
        if self.level == "email":
            return email_account(tracker)
        return account_customer(tracker)

    def plainly_answers(self, tracker: Tracker) -> bool:
        # "483920" is the code asked for, whatever the NLU made of it.
        return (tracker.get_slot("requested_slot") == "verification_code"
                and bool(CODE.search(latest_text(tracker))))

    async def prepare(self, form: "CustomerForm", dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> Tuple[List[EventType], bool]:
        # The channel identity is tried before anything is asked, so a WhatsApp
        # customer is never asked for an email the channel already proves.
        if account_customer(tracker) or tracker.get_slot("backend_down"):
            return [], False
        try:
            customer = await verify_by_channel(tracker)
        except BackendError as error:
            failure = backend_failure(dispatcher, tracker, error, "verifying the customer")
            return failure + [SlotSet("backend_down", True), SlotSet("requested_slot", None)], True
        if not customer:
            return [], False
        slots = verified_slots(customer, "channel", tracker)
        tracker.slots.update(slots)
        return [SlotSet(key, value) for key, value in slots.items()], False

    # -- the email: which account --

    async def validate_customer_email(self, form: "CustomerForm", value: Any,
                                      dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        if self.proven(tracker):
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
        if len(matches) != 1:
            return failed_attempt(dispatcher, tracker, {}, "utter_account_email_not_found")
        named = {"customer_email": email, "account_candidate": matches[0]["id"]}
        if self.level == "email":
            return named
        return {**named, **await send_code(dispatcher, tracker, matches[0]["id"])}

    # -- the code: proof --

    async def extract_verification_code(self, form: "CustomerForm", tracker: Tracker) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "verification_code":
            return {}
        found = CODE.search(latest_text(tracker))
        if found:
            return {"verification_code": found.group(1)}
        return form.free_text(tracker, "verification_code")  # validation explains

    async def validate_verification_code(self, form: "CustomerForm", value: Any,
                                         dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        # A code is no order number, though the order_id mapping took it as one.
        undo = {"order_id": slot_before_latest_message(tracker, "order_id")}
        candidate = tracker.get_slot("account_candidate")
        found = CODE.search(str(value or ""))
        if not candidate:
            return {**undo, "verification_code": None}
        if not found:
            utter(dispatcher, "utter_invalid_verification_code")
            return {**undo, "verification_code": None}
        try:
            result = await clients.crm().check_verification_code(candidate, found.group(1))
            customer = await clients.crm().get_customer(candidate) if result.get("verified") else None
        except BackendError as error:
            return {**undo, "verification_code": None,
                    **outage(dispatcher, tracker, error, "checking the verification code")}
        if customer:
            # The code itself is not kept: it proved what it had to.
            return {**undo, **verified_slots(customer, "code", tracker), "verification_code": "accepted"}
        if result.get("reason") in ("expired", "no_code"):
            utter(dispatcher, "utter_verification_code_expired")
            return {**undo, **await send_code(dispatcher, tracker, candidate)}
        return {**undo, **failed_attempt(dispatcher, tracker, result, "utter_verification_code_wrong",
                                         slot="verification_code")}


async def send_code(dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str) -> Dict[Text, Any]:
    """Sends a one-time code to the email on file; the form then asks for it."""
    try:
        sent = await clients.crm().send_verification_code(customer_id)
    except Rejected:  # locked after too many failures, maybe in another conversation
        return {"verification_code": None, "verification_attempts": float(MAX_ATTEMPTS)}
    except BackendError as error:
        return outage(dispatcher, tracker, error, "sending a verification code")
    return {"verification_code": None, "code_sent_to": mask_email(sent.get("sent_to"))}
