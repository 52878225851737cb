"""Editing the account: edit_account_form (which detail, the new value) ->
action_edit_account. Name, phone number and address can be changed in chat;
the email address only by a person. The validators of names and phone numbers
are also used when an account is created (creation.py)."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.shared.forms import CustomerForm
from actions.shared.account_verification import AccountProof, account_unverified
from actions.clients.base import BackendError, Rejected
from actions.shared.common import (backend_failure, idempotency_key, latest_intent, latest_text, offer_person,
                                   account_customer)
from actions.shared.messages import utter

logger = logging.getLogger(__name__)

PHONE_SEPARATORS = re.compile(r"[\s().\-]")
E164 = re.compile(r"\+[1-9]\d{7,14}")
FIELD_WORDS = [
    ("email", re.compile(r"\be-?mail\b", re.I)),
    ("phone", re.compile(r"\b(phone|mobile|cell|number|whatsapp)\b", re.I)),
    ("address", re.compile(r"\b(address|street|moved|move)\b", re.I)),
    ("name", re.compile(r"\bname\b", re.I)),
]
FIELD_LABELS = {"name": "name", "phone": "phone number", "address": "address"}


def field_named(text: str) -> Optional[str]:
    for field, words in FIELD_WORDS:
        if words.search(text or ""):
            return field
    return None


def normalized_phone(text: str) -> Optional[str]:
    cleaned = PHONE_SEPARATORS.sub("", text or "")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    return cleaned if E164.fullmatch(cleaned) else None


def valid_name(text: str) -> bool:
    text = (text or "").strip()
    return 2 <= len(text) <= 100 and bool(re.search(r"[^\W\d_]", text)) and not re.search(r"[\d@/]", text)


def valid_address(text: str) -> bool:
    text = (text or "").strip()
    return 10 <= len(text) <= 300 and bool(re.search(r"\d", text)) and bool(re.search(r"[^\W\d_]{2}", text))


def new_value_problem(field: Optional[str], text: str) -> Optional[str]:
    """The response explaining why `text` can't be the new `field`, or None if it can."""
    if field == "phone":
        return None if normalized_phone(text) else "utter_account_invalid_phone"
    if field == "name":
        return None if valid_name(text) else "utter_account_invalid_name"
    if field == "address":
        return None if valid_address(text) else "utter_account_invalid_address"
    return "utter_account_field_unknown"


class ValidateEditAccountForm(CustomerForm, form="edit_account_form"):
    proof = AccountProof()

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot("account_field") == "email":
            return []  # can't be changed in chat; the action explains
        return slots

    async def extract_account_field(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        text = latest_text(tracker)
        asked = tracker.get_slot("requested_slot") == "account_field"
        opening = latest_intent(tracker) == "edit_account" and not tracker.get_slot("account_field")
        if not (asked or opening):
            return {}
        field = field_named(text)
        if field:
            return {"account_field": field}
        return self.free_text(tracker, "account_field")  # validation says what can be changed

    async def validate_account_field(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value in ("name", "phone", "address", "email"):
            return {"account_field": value}
        utter(dispatcher, "utter_account_field_unknown")
        return {"account_field": None}

    async def extract_account_new_value(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        field = tracker.get_slot("account_field")
        return self.free_text(tracker, "account_new_value", lambda text: new_value_problem(field, text) is None)

    async def validate_account_new_value(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        field = tracker.get_slot("account_field")
        problem = new_value_problem(field, str(value or ""))
        if problem:
            utter(dispatcher, problem)
            return {"account_new_value": None}
        text = str(value).strip()
        return {"account_new_value": normalized_phone(text) if field == "phone" else text}


class ActionAskAccountNewValue(NamedAction, action="action_ask_account_new_value"):
    """Asks for the new name, phone number or address, whichever was chosen."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        field = tracker.get_slot("account_field")
        utter(dispatcher, f"utter_account_ask_new_{field}" if field in FIELD_LABELS else "utter_ask_account_field")
        return []


class ActionEditAccount(NamedAction, action="action_edit_account"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("account_field", None), SlotSet("account_new_value", None)]
        field, value = tracker.get_slot("account_field"), tracker.get_slot("account_new_value")
        if field == "email":
            return offer_person(dispatcher, "utter_account_email_change_needs_person",
                                "Wants to change the email address on the account") + done
        customer_id = account_customer(tracker)
        if not customer_id:
            return account_unverified(dispatcher, tracker, "Account edit: could not verify the account") + done
        if field not in FIELD_LABELS or not value:
            return done
        try:
            customer = await clients.crm().update_customer(
                customer_id, {field: value}, idempotency_key(tracker, f"edit-account-{field}"))
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"changing the account's {field}") + done
        except Rejected as rejected:
            logger.warning("account edit refused for %s: %s", customer_id, rejected)
            return offer_person(dispatcher, "utter_offer_human",
                                f"Account edit refused: {rejected.message}") + done
        utter(dispatcher, "utter_account_updated", field=FIELD_LABELS[field],
              value=customer.get(field) or value)
        return done
