"""action_cancel_order: cancels a confirmed, unshipped order (its payment is
refunded to the original payment method), or explains what is possible
instead; the service's 409 codes (`order_already_shipped`,
`order_already_cancelled`) have the final word. Refunds are told as the
refund-status flow tells them (actions/billing/refunds.py)."""
from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.billing.refunds import tell_refund
from actions.clients.base import BackendError, Json, NotFound, Rejected
from actions.shared.common import backend_failure, idempotency_key
from actions.shared.messages import utter
from actions.order_changes.facts import CHANGEABLE, explained_status, forget, return_path
from actions.shared.verification import verified_order


class ActionCancelOrder(NamedAction, action="action_cancel_order"):
    """Cancels a confirmed, unshipped order (refund to the original payment
    method); otherwise explains what is possible instead."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = forget("cancel_confirmed")
        order, events = await verified_order(dispatcher, tracker, "cancelling")
        if order is None:
            return events + done
        order_id = order["id"]
        if tracker.get_slot("cancel_confirmed") is not True:
            if order.get("status") != CHANGEABLE:  # never asked: the form ended on the status
                return await self.explain(dispatcher, tracker, order) + done
            utter(dispatcher, "utter_order_kept", order_id=order_id)
            return done
        try:
            cancelled = await clients.crm().cancel_order(
                order_id, idempotency_key(tracker, f"cancel-order-{order_id}"))
        except Rejected as refusal:
            return await self.refused(dispatcher, tracker, order, refusal) + done
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"cancelling order {order_id}") + done
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return done
        self.confirm_refund(dispatcher, order_id, cancelled.get("refund"))
        return done

    @staticmethod
    def confirm_refund(dispatcher: CollectingDispatcher, order_id: str, refund: Optional[Json]) -> None:
        if not refund:
            utter(dispatcher, "utter_order_cancelled_no_refund", order_id=order_id)
            return
        utter(dispatcher, "utter_order_cancelled", order_id=order_id)
        tell_refund(dispatcher, refund)  # as the refund-status flow says it

    async def refused(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Json,
                      refusal: Rejected) -> List[EventType]:
        """The service said no: its code says why (and the fresh order says what next)."""
        if refusal.code not in ("order_already_shipped", "order_already_cancelled"):
            utter(dispatcher, "utter_cancel_refused", order_id=order["id"], reason=refusal.message)
            return [SlotSet("handoff_reason", f"Cancelling order {order['id']} was refused: {refusal.code}")]
        try:
            order = await clients.crm().get_order(order["id"])
        except (BackendError, NotFound):
            pass  # the code alone is enough to explain
        return await self.explain(dispatcher, tracker, explained_status(order, refusal.code))

    async def explain(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      order: Json) -> List[EventType]:
        """Why this order can't be cancelled, and what the customer can do instead."""
        order_id, status = order["id"], order.get("status")
        if status == "shipped":
            utter(dispatcher, "utter_cancel_shipped", order_id=order_id)
            return []
        if status == "delivered":
            facts = return_path(order)
            if facts.pop("window_open"):
                utter(dispatcher, "utter_cancel_delivered", order_id=order_id, **facts)
                return []
            utter(dispatcher, "utter_cancel_delivered_window_over", order_id=order_id, **facts)
            return [SlotSet("handoff_reason", f"Wants to cancel order {order_id}, delivered and "
                                              "outside the return window")]
        if status == "cancelled":
            utter(dispatcher, "utter_cancel_already_cancelled", order_id=order_id)
            return await self.refund_status(dispatcher, tracker, order_id)
        utter(dispatcher, "utter_order_status_other", order_id=order_id, status=status)
        return []

    @staticmethod
    async def refund_status(dispatcher: CollectingDispatcher, tracker: Tracker,
                            order_id: str) -> List[EventType]:
        try:
            refunds = await clients.billing().refunds(order_id=order_id)
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"checking the refund of order {order_id}")
        refunds = [r for r in refunds if r.get("reason") in (None, "cancellation")] or refunds
        if not refunds:
            utter(dispatcher, "utter_cancelled_no_refund")
            return [SlotSet("handoff_reason", f"Order {order_id} is cancelled but shows no refund")]
        tell_refund(dispatcher, refunds[-1])
        return []
