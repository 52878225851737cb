"""Following the customer when they switch to another request mid-form.

"actually, can I cancel order 10232 instead?" while the bot asks for an email
to track an order: the current form ends cleanly and the new request's form
starts, keeping what is already known (the verified customer, the order).
Every flow's rules route its form's "another request" intents here.
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.messages import utter
from actions.common import latest_intent

# Intent -> the form (or action) that starts that request.
REQUEST_STARTERS = {
    "track_order": "track_order_form",
    "return_item": "return_form",
    "get_refund": "refund_request_form",
    "track_refund": "track_refund_form",
    "report_duplicate_charge": "duplicate_charge_form",
    "payment_issue": "payment_issue_form",
    "cancel_order": "cancel_order_form",
    "change_shipping_address": "change_address_form",
    "change_order": "change_order_form",
    "check_invoice": "invoice_form",
    "get_invoice": "invoice_form",
    "cancel_subscription": "cancel_subscription_form",
    "pause_subscription": "pause_subscription_form",
    "recover_password": "password_reset_form",
    "delete_account": "delete_account_form",
    "newsletter_subscription": "newsletter_form",
    "edit_account": "edit_account_form",
    "contact_human_agent": "action_handoff",
    "contact_customer_service": "action_handoff",
    "complaint": "action_handoff",
}


class ActionSwitchRequest(Action):
    def name(self) -> Text:
        return "action_switch_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        target = REQUEST_STARTERS.get(latest_intent(tracker))
        known = set(domain.get("forms", {})) | set(domain.get("actions", []))
        events: List[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if target and target in known:
            return events + [FollowupAction(target)]
        utter(dispatcher, "utter_anything_else")
        return events
