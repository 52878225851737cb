"""Order tracking: track_order_form (order number, then the customer verified,
OrderProof) -> action_track_order. Cancelling and changing orders are
in actions/order_changes/."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions.shared.messages import utter
from actions.clients.base import Json
from actions.shared.common import friendly_date, item_names
from actions.shared.forms import CustomerForm
from actions.shared.verification import OrderProof, verified_order


class ValidateTrackOrderForm(CustomerForm, form="track_order_form"):
    proof = OrderProof()


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


class ActionTrackOrder(NamedAction, action="action_track_order"):
    """Answers with status, carrier, tracking number and delivery estimate."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        order, events = await verified_order(dispatcher, tracker, "tracking")
        if order is None:
            return events
        facts = order_status_message(order)
        utter(dispatcher, facts.pop("message"), **facts)
        return []
