"""Order tracking (and, later, cancelling and changing orders)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.messages import utter
from actions.clients.base import BackendError, Json, NotFound
from actions.common import backend_failure, friendly_date, item_names
from actions.verification import OrderFormValidation, attempts_exhausted, verified_customer


class ValidateTrackOrderForm(OrderFormValidation):
    def name(self) -> Text:
        return "validate_track_order_form"


def unverified_outcome(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """What a flow does when its form ended without a verified customer."""
    if tracker.get_slot("backend_down"):
        return [SlotSet("backend_down", None)]  # the outage was already explained
    if attempts_exhausted(tracker):
        utter(dispatcher, "utter_verification_failed")
    return [SlotSet("order_id", None)]


def order_status_message(order: Json) -> Dict[str, Any]:
    """The message name and its variables for an order's current status."""
    facts = {"order_id": order["id"], "items": item_names(order),
             "carrier": order.get("carrier") or "the carrier",
             "tracking_number": order.get("tracking_number") or "",
             "eta": friendly_date(order.get("estimated_delivery")),
             "delivered_on": friendly_date(order.get("delivered_at"))}
    response = {"shipped": "utter_order_shipped", "processing": "utter_order_processing",
                "delivered": "utter_order_delivered", "cancelled": "utter_order_cancelled_status"}
    return {"message": response.get(order.get("status"), "utter_order_status_other"),
            "status": order.get("status"), **facts}


class ActionTrackOrder(Action):
    """Answers with status, carrier, tracking number and delivery estimate."""

    def name(self) -> Text:
        return "action_track_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        order_id = tracker.get_slot("order_id")
        if not (verified_customer(tracker) and order_id):
            return unverified_outcome(dispatcher, tracker)
        try:
            order = await clients.crm().get_order(order_id)
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return [SlotSet("order_id", None)]
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"tracking order {order_id}")
        facts = order_status_message(order)
        utter(dispatcher, facts.pop("message"), **facts)
        return []
