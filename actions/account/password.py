"""Password reset: password_reset_form (account verification) ->
action_send_password_reset, a link to the email on file (never to an address
typed in chat)."""
from __future__ import annotations

import logging
from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.shared.forms import CustomerForm
from actions.shared.account_verification import AccountProof, account_unverified, email_account
from actions.clients.base import BackendError, Rejected
from actions.shared.common import account_customer, backend_failure, idempotency_key, mask_email, offer_person
from actions.shared.messages import utter

logger = logging.getLogger(__name__)


class ValidatePasswordResetForm(CustomerForm, form="password_reset_form"):
    """The email names the account; the link goes to the email on file, so
    whoever typed the email learns nothing and changes nothing."""

    proof = AccountProof("email")


def valid_for(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


class ActionSendPasswordReset(NamedAction, action="action_send_password_reset"):
    """Sends a reset link to the email on file (never to an address typed in chat)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id = email_account(tracker)
        if not customer_id:
            return account_unverified(dispatcher, tracker, "Password reset: could not verify the account")
        try:
            sent = await clients.crm().send_password_reset(
                customer_id, idempotency_key(tracker, "password-reset"))
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, "sending a password reset link")
        except Rejected as refusal:
            logger.warning("password reset refused: %s", refusal)
            return offer_person(dispatcher, "utter_offer_human", f"Password reset refused: {refusal.message}")
        utter(dispatcher, "utter_password_reset_sent", sent_to=mask_email(sent.get("sent_to")),
              valid_for=valid_for(int(sent.get("expires_in_minutes") or 60)))
        if account_customer(tracker):
            return []
        # The email named the account for the link only: it proves nothing later.
        return [SlotSet("customer_email", None), SlotSet("account_candidate", None)]
