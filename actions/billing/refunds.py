"""Refund status: track_refund_form -> action_track_refund, by refund number
(R-5001) or order number; either way the customer is verified and the refund
must be theirs.

`refund_message` is how every flow says where a refund is (the refund request
of actions/returns/, cancelled orders in actions/order_changes/, duplicate
charges): one set of messages, actions/messages/billing.yml (refund status).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.clients.base import BackendError, Json, NotFound
from actions.shared.common import (backend_failure, friendly_date, latest_text, money, order_customer, outage,
                                   verified_customer)
from actions.shared.messages import utter
from actions.shared.forms import CustomerForm
from actions.shared.verification import OrderProof, owner_checked, unverified_outcome

REFUND_ID = re.compile(r"(?<![\w-])R-?(\d{3,})(?![\w-])", re.I)
REFUND_STATUS = {"processing": "utter_refund_processing", "issued": "utter_refund_issued",
                 "pending_approval": "utter_refund_pending_approval",
                 "awaiting_item": "utter_refund_awaiting_item", "denied": "utter_refund_denied"}


def business_days(expected: Optional[str]) -> str:
    """The refund's '5-7' as '5 to 7'."""
    low, _, high = str(expected or "5-7").partition("-")
    return f"{low} to {high}" if high else low


def refund_message(refund: Json) -> Dict[str, Any]:
    """The message name and its values for a refund's status, in plain words."""
    store_credit = "store credit" in str(refund.get("method", "")).lower()
    subject = (f"order {refund['order_id']}" if refund.get("order_id")
               else "your Harbor Plus membership" if refund.get("subscription_id") else "your account")
    name = REFUND_STATUS.get(refund.get("status"), "utter_refund_status_other")
    if store_credit and name in ("utter_refund_processing", "utter_refund_issued"):
        name = "utter_refund_issued_store_credit"
    return {"message": name, "refund_id": refund.get("id"), "amount": money(refund.get("amount")),
            "subject": subject, "method": refund.get("method") or "original payment method",
            "issued_on": friendly_date(refund.get("created_at")),
            "status": str(refund.get("status") or "unknown").replace("_", " "),
            "days": business_days(refund.get("expected_business_days"))}


def tell_refund(dispatcher: CollectingDispatcher, refund: Json) -> None:
    facts = refund_message(refund)
    utter(dispatcher, facts.pop("message"), **facts)


class ValidateTrackRefundForm(CustomerForm, form="track_refund_form"):
    """By refund number when the customer gives one, else by order number."""

    # The email is checked against the refund's order once there is one.
    proof = OrderProof(anchors=("refund_id", "order_id"))

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        drop = "order_id" if tracker.get_slot("refund_id") else "refund_id"
        return [slot for slot in slots if slot != drop]

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        found = REFUND_ID.search(latest_text(tracker))
        if found:  # "R-5001" is a refund number, not an order number
            return {"refund_id": f"R-{found.group(1)}"}
        return await super().extract_order_id(dispatcher, tracker, domain)

    async def validate_refund_id(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = REFUND_ID.search(str(value or ""))
        if not found:
            return {"refund_id": None}
        refund_id = f"R-{found.group(1)}"
        try:
            refund = await clients.billing().get_refund(refund_id)
            customer = await clients.crm().get_customer(refund["customer_id"])
        except NotFound:
            utter(dispatcher, "utter_refund_not_found", refund_id=refund_id)
            return {"refund_id": None}
        except BackendError as error:
            return {"refund_id": refund_id, **outage(dispatcher, tracker, error, f"looking up refund {refund_id}")}
        slots = owner_checked(dispatcher, tracker, customer, {"refund_id": refund_id},
                                   "utter_refund_not_on_account")
        # The refund is proven with the email on its order, like the order itself.
        return {**slots, "order_id": refund.get("order_id")} if slots.get("refund_id") else slots

    def mismatch_message(self, tracker: Tracker) -> str:
        return "utter_refund_email_mismatch" if tracker.get_slot("refund_id") else "utter_email_mismatch"


class ActionTrackRefund(NamedAction, action="action_track_refund"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id = verified_customer(tracker)
        refund_id, order_id = tracker.get_slot("refund_id"), tracker.get_slot("order_id")
        done = [SlotSet("refund_id", None)]
        if not (customer_id and (refund_id or order_id)):
            return unverified_outcome(dispatcher, tracker) + done
        try:
            if refund_id:
                refunds = [await clients.billing().get_refund(refund_id)]
            else:
                refunds = await clients.billing().refunds(order_id=order_id)
        except NotFound:
            refunds = []
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"checking refund {refund_id or 'of order ' + order_id}") + done
        refunds = [r for r in refunds if r.get("customer_id") == customer_id
                   and order_customer(tracker, r.get("order_id")) == customer_id]
        if not refunds:
            if refund_id:
                utter(dispatcher, "utter_refund_not_on_account", refund_id=refund_id)
            else:
                utter(dispatcher, "utter_no_refund_found", order_id=order_id)
            return done
        for refund in refunds[-3:]:
            tell_refund(dispatcher, refund)
        return done
