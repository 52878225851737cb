"""Deleting the account: delete_account_form -> action_delete_account.

Deleting cannot be undone, so an email alone is not enough proof unless the
channel itself proves who writes: the customer also confirms the number of
the latest order on the account (see ValidateDeleteAccountForm)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.account_verification import AccountFormValidation, account_unverified
from actions.clients.base import BackendError, Rejected
from actions.common import (MAX_ATTEMPTS, backend_failure, friendly_date, idempotency_key, latest_text,
                            offer_person, outage, verified_customer)
from actions.forms import order_number
from actions.messages import utter

logger = logging.getLogger(__name__)


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
        found = order_number(latest_text(tracker))
        if found:
            return {"account_last_order": found}
        return self.free_text(tracker, "account_last_order")  # validation explains

    async def validate_account_last_order(self, value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = order_number(value)
        if not found:
            utter(dispatcher, "utter_invalid_order_id")
            return {"account_last_order": None}
        try:
            orders = await clients.crm().customer_orders(verified_customer(tracker))
        except BackendError as error:
            return {"account_last_order": None,
                    **outage(dispatcher, tracker, error, "checking the latest order")}
        if not orders:
            return {"account_last_order": None, "account_order_attempts": float(MAX_ATTEMPTS)}
        latest = max(orders, key=lambda order: (order.get("placed_at") or "", order["id"]))
        if latest["id"] == found:
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
            return account_unverified(dispatcher, tracker, "Account deletion: could not verify the account") + done
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
