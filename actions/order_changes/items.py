"""action_change_order: the API can't change an order's items, so the options
are said: cancel and re-order (free before shipping) or a person; the return
path once it has shipped."""
from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions.shared.messages import utter
from actions.order_changes.facts import CHANGEABLE, forget, order_summary, return_path
from actions.shared.verification import verified_order


class ActionChangeOrder(NamedAction, action="action_change_order"):
    """The API can't change items: cancel and re-order (free before shipping),
    a person, or the return path once it has shipped."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = forget()
        order, events = await verified_order(dispatcher, tracker, "changing")
        if order is None:
            return events + done
        order_id, status = order["id"], order.get("status")
        if status == CHANGEABLE:
            utter(dispatcher, "utter_change_order_options", order_id=order_id,
                  summary=order_summary(order))
            return done + [SlotSet("handoff_reason", f"Wants to change the items of order {order_id} "
                                                     "(not shipped yet)")]
        if status == "shipped":
            utter(dispatcher, "utter_change_order_shipped", order_id=order_id)
        elif status == "delivered":
            facts = return_path(order)
            if not facts.pop("window_open"):
                utter(dispatcher, "utter_change_order_delivered_window_over", order_id=order_id, **facts)
                return done + [SlotSet("handoff_reason", f"Wants to change delivered order {order_id}, "
                                                         "outside the return window")]
            utter(dispatcher, "utter_change_order_delivered", order_id=order_id, **facts)
        elif status == "cancelled":
            utter(dispatcher, "utter_change_order_cancelled", order_id=order_id)
        else:
            utter(dispatcher, "utter_order_status_other", order_id=order_id, status=status)
        return done
