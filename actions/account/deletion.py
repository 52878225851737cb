"""Deleting the account: delete_account_form -> action_delete_account.

Deleting cannot be undone, so an email alone is never enough: the account is
proven by a verified channel or a one-time code (actions/shared/account_verification.py)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.shared.forms import CustomerForm
from actions.shared.account_verification import AccountProof, account_unverified
from actions.clients.base import BackendError, Rejected
from actions.shared.common import account_customer, backend_failure, friendly_date, idempotency_key, offer_person
from actions.shared.messages import utter

logger = logging.getLogger(__name__)


class ValidateDeleteAccountForm(CustomerForm, form="delete_account_form"):
    """Deleting cannot be undone: the account is proven by a verified channel
    or by the one-time code sent to the email on file, then the customer
    confirms."""

    proof = AccountProof()

    async def extract_deletion_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: DomainDict) -> Dict[Text, Any]:
        return self.yes_or_no(tracker, "deletion_confirmed")

    async def validate_deletion_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.yes_or_no_answer(dispatcher, "deletion_confirmed", value)


class ActionDeleteAccount(NamedAction, action="action_delete_account"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("deletion_confirmed", None)]
        customer_id = account_customer(tracker)
        if not customer_id:
            return account_unverified(dispatcher, tracker, "Account deletion: could not verify the account") + done
        if tracker.get_slot("backend_down"):
            return [SlotSet("backend_down", None)] + done
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
