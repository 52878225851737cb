"""Account requests: password reset, deletion, edits, newsletter, new accounts.

Each form is verified at account level by AccountFormValidation (channel
identity, or the account's email); every fact and change goes through the CRM
client, and every change carries an idempotency key.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.messages import utter
from actions.account_verification import AccountFormValidation
from actions.clients.base import BackendError, Rejected
from actions.common import (INTERRUPTIONS, backend_failure, channel_identity, friendly_date,
                            idempotency_key, latest_intent)
from actions.switching import REQUEST_STARTERS
from actions.verification import EMAIL, MAX_ATTEMPTS, ORDER_NUMBER, attempts_exhausted, verified_customer

logger = logging.getLogger(__name__)

PHONE_SEPARATORS = re.compile(r"[\s().\-]")
E164 = re.compile(r"\+[1-9]\d{7,14}")


def unverified_outcome(dispatcher: CollectingDispatcher, tracker: Tracker,
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


def offer_person(dispatcher: CollectingDispatcher, response: str, reason: str) -> List[EventType]:
    utter(dispatcher, response)
    return [SlotSet("handoff_reason", reason)]


def taken_text(tracker: Tracker, slot: str, looks_valid) -> Dict[Text, Any]:
    """The latest message as the answer to `slot`, if it was asked and the message
    is not an interruption or another request (unless it plainly is the answer)."""
    if tracker.get_slot("requested_slot") != slot:
        return {}
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/"):
        return {}
    if looks_valid(text) or latest_intent(tracker) not in INTERRUPTIONS | set(REQUEST_STARTERS):
        return {slot: text}
    return {}


# -- password reset -----------------------------------------------------------

class ValidatePasswordResetForm(AccountFormValidation):
    def name(self) -> Text:
        return "validate_password_reset_form"


def masked(email: Optional[str]) -> str:
    """'maya.patel@example.com' -> 'm***@example.com': enough to recognise, little to leak."""
    local, _, host = (email or "").partition("@")
    return f"{local[:1]}***@{host}" if local and host else "the email on your account"


def valid_for(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


class ActionSendPasswordReset(Action):
    """Sends a reset link to the email on file (never to an address typed in chat)."""

    def name(self) -> Text:
        return "action_send_password_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id = verified_customer(tracker)
        if not customer_id:
            return unverified_outcome(dispatcher, tracker, "Password reset: could not verify the account")
        try:
            sent = await clients.crm().send_password_reset(
                customer_id, idempotency_key(tracker, "password-reset"))
        except (BackendError, Rejected) as error:
            return self._failed(dispatcher, tracker, error)
        utter(dispatcher, "utter_password_reset_sent", sent_to=masked(sent.get("sent_to")),
              valid_for=valid_for(int(sent.get("expires_in_minutes") or 60)))
        return []

    @staticmethod
    def _failed(dispatcher, tracker, error) -> List[EventType]:
        if isinstance(error, BackendError):
            return backend_failure(dispatcher, tracker, error, "sending a password reset link")
        logger.warning("password reset refused: %s", error)
        return offer_person(dispatcher, "utter_offer_human", f"Password reset refused: {error.message}")


# -- deletion -------------------------------------------------------------------

class ValidateDeleteAccountForm(AccountFormValidation):
    """Deleting an account cannot be undone, and email alone is weak proof: an
    email address is often known to others (family, colleagues, a leaked list),
    and the account's email is exactly what a stranger would type. So unless
    the channel itself proves who is writing (the WhatsApp number or Messenger
    id on the account), the customer also confirms the number of the latest
    order on the account, which only the account holder's inbox shows. A
    customer with no orders, or who cannot give it in MAX_ATTEMPTS tries, is
    offered a person instead."""

    def name(self) -> Text:
        return "validate_delete_account_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if not slots or not verified_customer(tracker):
            return slots  # the email first; the order check follows
        if tracker.get_slot("verified_by") == "channel" or tracker.get_slot("account_owner_confirmed"):
            return [slot for slot in slots if slot != "account_last_order"]
        if (tracker.get_slot("account_order_attempts") or 0) >= MAX_ATTEMPTS:
            return []  # the action offers a person
        return slots

    async def extract_account_last_order(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "account_last_order":
            return {}
        text = tracker.latest_message.get("text") or ""
        found = ORDER_NUMBER.search(text)
        if found:
            return {"account_last_order": found.group(1)}
        if latest_intent(tracker) not in INTERRUPTIONS | set(REQUEST_STARTERS):
            return {"account_last_order": text}
        return {}

    async def validate_account_last_order(self, value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = ORDER_NUMBER.search(str(value or ""))
        if not found:
            utter(dispatcher, "utter_invalid_order_id")
            return {"account_last_order": None}
        try:
            orders = await clients.crm().customer_orders(verified_customer(tracker))
        except BackendError as error:
            events = backend_failure(dispatcher, tracker, error, "checking the latest order")
            return {"account_last_order": None, "backend_down": True,
                    "backend_errors": events[0]["value"]}
        if not orders:
            return {"account_last_order": None, "account_order_attempts": float(MAX_ATTEMPTS)}
        latest = max(orders, key=lambda order: (order.get("placed_at") or "", order["id"]))
        if latest["id"] == found.group(1):
            return {"account_last_order": latest["id"], "account_owner_confirmed": True}
        attempts = (tracker.get_slot("account_order_attempts") or 0) + 1
        if attempts < MAX_ATTEMPTS:
            utter(dispatcher, "utter_account_last_order_wrong")
        return {"account_last_order": None, "account_order_attempts": float(attempts)}


class ActionDeleteAccount(Action):
    def name(self) -> Text:
        return "action_delete_account"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("deletion_confirmed", None), SlotSet("account_last_order", None)]
        customer_id = verified_customer(tracker)
        if not customer_id:
            return unverified_outcome(dispatcher, tracker, "Account deletion: could not verify the account") + done
        if tracker.get_slot("backend_down"):
            return [SlotSet("backend_down", None)] + done
        if tracker.get_slot("verified_by") != "channel" and not tracker.get_slot("account_owner_confirmed"):
            return offer_person(dispatcher, "utter_account_deletion_needs_proof",
                                "Account deletion: could not confirm the latest order") + done
        if tracker.get_slot("deletion_confirmed") is not True:
            utter(dispatcher, "utter_account_kept")
            return done
        try:
            request = await clients.crm().request_deletion(customer_id, idempotency_key(tracker, "delete-account"))
        except Rejected as rejected:
            if rejected.code == "deletion_already_requested":
                utter(dispatcher, "utter_account_deletion_already_requested")
                return done
            logger.warning("deletion refused for %s: %s", customer_id, rejected)
            return offer_person(dispatcher, "utter_offer_human",
                                f"Account deletion refused: {rejected.message}") + done
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, "requesting the account deletion") + done
        utter(dispatcher, "utter_account_deletion_requested",
              request_id=request["request_id"],
              complete_by=friendly_date(request.get("complete_by")),
              retained=request.get("retained") or "invoices are kept as the law requires")
        return done


# -- editing the account --------------------------------------------------------------

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


class ValidateEditAccountForm(AccountFormValidation):
    def name(self) -> Text:
        return "validate_edit_account_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot("account_field") == "email":
            return []  # can't be changed in chat; the action explains
        return slots

    async def extract_account_field(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        asked = tracker.get_slot("requested_slot") == "account_field"
        opening = latest_intent(tracker) == "edit_account" and not tracker.get_slot("account_field")
        if not (asked or opening):
            return {}
        field = field_named(text)
        if field:
            return {"account_field": field}
        if asked and latest_intent(tracker) not in INTERRUPTIONS | set(REQUEST_STARTERS):
            return {"account_field": text}  # validation says what can be changed
        return {}

    async def validate_account_field(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value in ("name", "phone", "address", "email"):
            return {"account_field": value}
        utter(dispatcher, "utter_account_field_unknown")
        return {"account_field": None}

    async def extract_account_new_value(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        field = tracker.get_slot("account_field")
        return taken_text(tracker, "account_new_value", lambda text: new_value_problem(field, text) is None)

    async def validate_account_new_value(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        field = tracker.get_slot("account_field")
        problem = new_value_problem(field, str(value or ""))
        if problem:
            utter(dispatcher, problem)
            return {"account_new_value": None}
        text = str(value).strip()
        return {"account_new_value": normalized_phone(text) if field == "phone" else text}


class ActionAskAccountNewValue(Action):
    """Asks for the new name, phone number or address, whichever was chosen."""

    def name(self) -> Text:
        return "action_ask_account_new_value"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        field = tracker.get_slot("account_field")
        utter(dispatcher, f"utter_account_ask_new_{field}" if field in FIELD_LABELS else "utter_ask_account_field")
        return []


class ActionEditAccount(Action):
    def name(self) -> Text:
        return "action_edit_account"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("account_field", None), SlotSet("account_new_value", None)]
        field, value = tracker.get_slot("account_field"), tracker.get_slot("account_new_value")
        if field == "email":
            return offer_person(dispatcher, "utter_account_email_change_needs_person",
                                "Wants to change the email address on the account") + done
        customer_id = verified_customer(tracker)
        if not customer_id:
            return unverified_outcome(dispatcher, tracker, "Account edit: could not verify the account") + done
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


# -- newsletter --------------------------------------------------------------------------

UNSUBSCRIBE = re.compile(r"\b(unsub\w*|opt(ing)?[ -]?out|stop|remove|cancel|no more|don'?t want|"
                         r"do not want|leave|quit|turn off|take me off|too many)\b", re.I)
NEWSLETTER_WORDS = re.compile(r"subscri|newsletter", re.I)
SUBSCRIBE = re.compile(r"\b(subscribe|sign (me )?up|join|opt(ing)?[ -]?in|add|get|receive|"
                       r"turn on|start|put me on|i want)\b", re.I)


def newsletter_choice_in(text: str) -> Optional[str]:
    if UNSUBSCRIBE.search(text or ""):
        return "unsubscribe"
    if SUBSCRIBE.search(text or ""):
        return "subscribe"
    return None


class ValidateNewsletterForm(AccountFormValidation):
    def name(self) -> Text:
        return "validate_newsletter_form"

    async def extract_newsletter_choice(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        asked = tracker.get_slot("requested_slot") == "newsletter_choice"
        opening = latest_intent(tracker) == "newsletter_subscription" and not tracker.get_slot("newsletter_choice")
        if not (asked or opening):
            return {}
        if asked and latest_intent(tracker) in INTERRUPTIONS and not NEWSLETTER_WORDS.search(text):
            return {}  # "stop", "never mind", a question: not an answer
        choice = newsletter_choice_in(text)
        return {"newsletter_choice": choice} if choice else {}


class ActionSetNewsletter(Action):
    def name(self) -> Text:
        return "action_set_newsletter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("newsletter_choice", None)]
        customer_id = verified_customer(tracker)
        choice = tracker.get_slot("newsletter_choice")
        if not customer_id:
            return unverified_outcome(dispatcher, tracker, "Newsletter: could not verify the account") + done
        if choice not in ("subscribe", "unsubscribe"):
            return done
        wanted = choice == "subscribe"
        try:
            customer = await clients.crm().get_customer(customer_id)
            if bool(customer.get("newsletter")) == wanted:
                response = "utter_newsletter_already_subscribed" if wanted else "utter_newsletter_already_unsubscribed"
            else:
                customer = await clients.crm().set_newsletter(
                    customer_id, wanted, idempotency_key(tracker, f"newsletter-{choice}"))
                response = "utter_newsletter_subscribed" if wanted else "utter_newsletter_unsubscribed"
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"newsletter: {choice}") + done
        except Rejected as rejected:
            return offer_person(dispatcher, "utter_offer_human", f"Newsletter change refused: {rejected.message}") + done
        utter(dispatcher, response, email=masked(customer.get("email")))
        return done


# -- creating an account -------------------------------------------------------------------

class ValidateCreateAccountForm(FormValidationAction):
    """No verification: a new account needs only a name and a free email."""

    def name(self) -> Text:
        return "validate_create_account_form"

    async def extract_new_account_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        return taken_text(tracker, "new_account_name", valid_name)

    async def validate_new_account_name(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if not valid_name(str(value or "")):
            utter(dispatcher, "utter_account_invalid_name")
            return {"new_account_name": None}
        return {"new_account_name": str(value).strip()}

    async def extract_new_account_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "new_account_email":
            return {}
        text = tracker.latest_message.get("text") or ""
        found = EMAIL.search(text)
        if found:
            return {"new_account_email": found.group(0)}
        return taken_text(tracker, "new_account_email", lambda _: False)

    async def validate_new_account_email(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        email = str(value or "").strip()
        if not EMAIL.fullmatch(email):
            utter(dispatcher, "utter_invalid_email")
            return {"new_account_email": None}
        return {"new_account_email": email}


class ActionCreateAccount(Action):
    def name(self) -> Text:
        return "action_create_account"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("new_account_name", None), SlotSet("new_account_email", None)]
        name, email = tracker.get_slot("new_account_name"), tracker.get_slot("new_account_email")
        if not (name and email):
            return done
        data: Dict[str, Any] = {"name": name, "email": email}
        identity = channel_identity(tracker)
        if identity and identity["type"] == "phone" and normalized_phone(identity["value"]):
            data["phone"] = normalized_phone(identity["value"])  # the WhatsApp number they write from
        try:
            customer = await clients.crm().create_customer(data, idempotency_key(tracker, "create-account"))
        except Rejected as rejected:
            if rejected.code == "email_taken":
                utter(dispatcher, "utter_account_email_taken", email=email)
                return done
            logger.warning("account creation refused: %s", rejected)
            return offer_person(dispatcher, "utter_offer_human",
                                f"Account creation refused: {rejected.message}") + done
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, "creating an account") + done
        utter(dispatcher, "utter_account_created", customer_name=customer.get("name") or name,
              email=customer.get("email") or email)
        return done
