"""Creating an account in chat: create_account_form (a name and an email no
account has yet; no verification) -> action_create_account."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.account.editing import normalized_phone, valid_name
from actions.clients.base import BackendError, Rejected
from actions.shared.common import backend_failure, channel_identity, idempotency_key, latest_text, offer_person
from actions.shared.forms import EMAIL, CustomerForm
from actions.shared.messages import utter

logger = logging.getLogger(__name__)


class ValidateCreateAccountForm(CustomerForm, form="create_account_form"):
    """No verification: a new account needs only a name and a free email."""

    async def extract_new_account_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        return self.free_text(tracker, "new_account_name", valid_name)

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
        found = EMAIL.search(latest_text(tracker))
        if found:
            return {"new_account_email": found.group(0)}
        return self.free_text(tracker, "new_account_email")

    async def validate_new_account_email(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        email = str(value or "").strip()
        if not EMAIL.fullmatch(email):
            utter(dispatcher, "utter_invalid_email")
            return {"new_account_email": None}
        return {"new_account_email": email}


class ActionCreateAccount(NamedAction, action="action_create_account"):
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
