"""Duplicate charges: duplicate_charge_form -> action_refund_duplicate_charge.

Once the customer is verified, the order's payments in billing are looked up;
a capture with `duplicate_of` is shown, confirmed, then refunded in full
(POST /refunds, reason duplicate_charge). Billing is asked again before the
refund: it is the source of truth, not what the form saw a minute ago.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.billing.refunds import business_days, refund_message
from actions.clients.base import BackendError, Json, Rejected
from actions.shared.common import (backend_failure, friendly_date, idempotency_key, money, outage,
                                   verified_customer)
from actions.shared.messages import utter
from actions.shared.forms import CustomerForm
from actions.shared.verification import OrderProof, unverified_outcome

# "please refund it" is a yes too.
YES_OR_REFUND = re.compile(r"\b(yes|yeah|yep|sure|ok|okay|please do|go ahead|do it|refund)\b", re.I)


def duplicate_finding(order_id: str, customer_id: str, payments: List[Json]) -> Dict[str, Any]:
    """What billing shows for the order: a duplicate capture still to refund, one
    already refunded, or none (with the charges it does show)."""
    mine = [p for p in payments if p.get("customer_id") == customer_id]
    duplicates = [p for p in mine if p.get("duplicate_of")]
    open_ = [p for p in duplicates if p.get("status") == "captured"]
    chosen = (open_ or duplicates or [None])[0]
    if chosen:
        state = "duplicate" if open_ else "refunded"
        return {"order_id": order_id, "state": state, "payment_id": chosen["id"],
                "amount": money(chosen.get("amount")), "method": chosen.get("method") or "your card",
                "charged_on": friendly_date(chosen.get("captured_at"))}
    first = mine[0] if mine else {}
    return {"order_id": order_id, "state": "none", "payment_id": None, "count": len(mine),
            "amount": money(first.get("amount")) if first else None,
            "method": first.get("method"), "charged_on": friendly_date(first.get("captured_at"))}


class ValidateDuplicateChargeForm(CustomerForm, form="duplicate_charge_form"):
    proof = OrderProof()

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        finding = tracker.get_slot("duplicate_charge") or {}
        to_confirm = (verified_customer(tracker) and finding.get("state") == "duplicate"
                      and finding.get("order_id") == tracker.get_slot("order_id"))
        return [slot for slot in slots if slot != "duplicate_refund_confirmed" or to_confirm]

    async def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        order_id = tracker.get_slot("order_id")
        finding = tracker.get_slot("duplicate_charge") or {}
        if not order_id or finding.get("order_id") == order_id:
            return {}
        try:
            payments = await clients.billing().payments(order_id=order_id)
        except BackendError as error:
            return outage(dispatcher, tracker, error, f"checking the payments of order {order_id}")
        return {"duplicate_charge": duplicate_finding(order_id, verified_customer(tracker), payments),
                "duplicate_refund_confirmed": None}

    async def extract_duplicate_refund_confirmed(self, dispatcher: CollectingDispatcher,
                                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.yes_or_no(tracker, "duplicate_refund_confirmed", yes_words=YES_OR_REFUND)

    async def validate_duplicate_refund_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.yes_or_no_answer(dispatcher, "duplicate_refund_confirmed", value, "utter_please_choose")


class ActionAskDuplicateRefundConfirmed(NamedAction, action="action_ask_duplicate_refund_confirmed"):
    """Shows the two charges before asking to refund one."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        finding = tracker.get_slot("duplicate_charge") or {}
        utter(dispatcher, "utter_duplicate_found_confirm", order_id=finding.get("order_id"),
              amount=finding.get("amount"), method=finding.get("method"))
        return []


class ActionRefundDuplicateCharge(NamedAction, action="action_refund_duplicate_charge"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id, order_id = verified_customer(tracker), tracker.get_slot("order_id")
        done = [SlotSet("duplicate_charge", None), SlotSet("duplicate_refund_confirmed", None)]
        if not (customer_id and order_id):
            return unverified_outcome(dispatcher, tracker) + done
        try:  # billing is the source of truth, not what the form saw a minute ago
            payments = await clients.billing().payments(order_id=order_id)
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"checking the payments of order {order_id}") + done
        finding = duplicate_finding(order_id, customer_id, payments)
        facts = {k: finding.get(k) for k in ("order_id", "amount", "method", "charged_on")}
        if finding["state"] == "refunded":
            return await self._already_refunded(dispatcher, tracker, finding) + done
        if finding["state"] == "none":
            count = finding["count"]
            utter(dispatcher, "utter_no_duplicate_found" if count == 1 else
                  "utter_no_duplicate_among_several" if count else "utter_no_charge_found",
                  count=count, **facts)
            return done + [SlotSet("handoff_reason", f"Customer reports a duplicate charge on order "
                                                     f"{order_id}; billing shows no duplicate")]
        if tracker.get_slot("duplicate_refund_confirmed") is not True:
            utter(dispatcher, "utter_duplicate_left", **facts)
            return done
        try:
            refund = await clients.billing().create_refund(
                {"order_id": order_id, "reason": "duplicate_charge", "payment_id": finding["payment_id"]},
                idempotency_key(tracker, f"duplicate-refund-{finding['payment_id']}"))
        except Rejected as rejected:
            if rejected.code == "already_refunded":
                return await self._already_refunded(dispatcher, tracker, finding) + done
            utter(dispatcher, "utter_duplicate_refund_refused", **facts)
            return done + [SlotSet("handoff_reason", f"Duplicate-charge refund for order {order_id} "
                                                     f"refused: {rejected.message}")]
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"refunding the duplicate charge of order {order_id}") + done
        message = ("utter_duplicate_refund_pending" if refund.get("status") == "pending_approval"
                   else "utter_duplicate_refunded")
        utter(dispatcher, message, **{**facts, "amount": money(refund.get("amount")),
                                      "refund_id": refund.get("id"), "method": refund.get("method"),
                                      "days": business_days(refund.get("expected_business_days"))})
        return done

    @staticmethod
    async def _already_refunded(dispatcher: CollectingDispatcher, tracker: Tracker,
                                finding: Dict[str, Any]) -> List[EventType]:
        try:
            refunds = await clients.billing().refunds(order_id=finding["order_id"])
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"checking the refunds of order {finding['order_id']}")
        refund = next((r for r in refunds if r.get("payment_id") == finding["payment_id"]), None)
        if refund:
            facts = refund_message(refund)
            facts.pop("message")
            utter(dispatcher, "utter_duplicate_already_refunded", **facts)
        else:
            utter(dispatcher, "utter_duplicate_already_refunded_plain", order_id=finding["order_id"],
                  amount=finding["amount"])
        return []
