"""Refund requests: refund_request_form (the order, the customer verified) ->
action_refund_request, which answers "I want a refund" from the order's facts:
a duplicate charge goes to the duplicate-charge flow, an existing refund gets
its status (as the refund-status flow says it), a delivered order is offered
a return, an undelivered one its options."""
from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.billing.refunds import tell_refund
from actions.clients.base import BackendError, Json, NotFound
from actions.shared.common import backend_failure, friendly_date, money
from actions.shared.messages import utter
from actions.returns.eligibility import explain_ineligible, ineligibility
from actions.shared.forms import CustomerForm
from actions.shared.verification import OrderProof, verified_order


class ValidateRefundRequestForm(CustomerForm, form="refund_request_form"):
    proof = OrderProof()


class ActionRefundRequest(NamedAction, action="action_refund_request"):
    """Answers "I want a refund" from the order's facts."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        order, events = await verified_order(dispatcher, tracker, "looking up refunds of")
        if order is None:
            return events
        order_id = order["id"]
        try:
            payments = await clients.billing().payments(order_id=order_id)
            refunds = await clients.billing().refunds(order_id=order_id)
        except NotFound:
            payments, refunds = [], []
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"looking up refunds of order {order_id}")
        duplicates = [p for p in payments if p.get("duplicate_of") and p.get("status") != "refunded"]
        if duplicates:
            return self._duplicate_charge(dispatcher, domain, order_id, duplicates[0])
        if refunds:
            for refund in refunds[-3:]:  # said as the refund-status flow says it
                tell_refund(dispatcher, refund)
            return []
        return self._options(dispatcher, order)

    @staticmethod
    def _duplicate_charge(dispatcher: CollectingDispatcher, domain: DomainDict, order_id: str,
                          charge: Json) -> List[EventType]:
        if "duplicate_charge_form" in (domain.get("forms") or {}):
            return [FollowupAction("duplicate_charge_form")]  # it names the charge itself
        utter(dispatcher, "utter_refund_request_duplicate_charge", order_id=order_id,
              amount=money(charge.get("amount")), method=charge.get("method") or "card")
        utter(dispatcher, "utter_offer_human")
        return [SlotSet("handoff_reason", f"Duplicate charge {charge.get('id')} on order {order_id} "
                                          f"({money(charge.get('amount'))}) to refund")]

    @staticmethod
    def _options(dispatcher: CollectingDispatcher, order: Json) -> List[EventType]:
        """No refund yet: what the order's status allows instead."""
        order_id, status = order["id"], order.get("status")
        if status == "delivered":
            code = ineligibility(order)
            if code:
                reason = explain_ineligible(dispatcher, code, order)
                return [SlotSet("handoff_reason", reason)] if reason else []
            utter(dispatcher, "utter_refund_request_via_return", order_id=order_id,
                  window_end=friendly_date(order.get("return_window_ends")))
            return []
        if status == "cancelled":
            utter(dispatcher, "utter_refund_request_cancelled_none_yet", order_id=order_id)
            return [SlotSet("handoff_reason", f"Order {order_id} was cancelled but has no refund")]
        if status == "processing":
            utter(dispatcher, "utter_refund_request_not_shipped", order_id=order_id)
            return []
        utter(dispatcher, "utter_refund_request_in_transit", order_id=order_id,
              eta=friendly_date(order.get("estimated_delivery")))
        return []
