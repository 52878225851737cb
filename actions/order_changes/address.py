"""action_change_address: changes the delivery address of a confirmed,
unshipped order, or explains what is possible instead (a shipped parcel can be
redirected by the carrier); "how do I add an address?" without an order is
explained without questions."""
from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.clients.base import BackendError, Json, NotFound, Rejected
from actions.shared.common import backend_failure, friendly_date, idempotency_key
from actions.shared.messages import utter
from actions.order_changes.facts import CHANGEABLE, explained_status, forget
from actions.order_changes.forms import setting_up_address
from actions.shared.verification import verified_order


class ActionChangeAddress(NamedAction, action="action_change_address"):
    """Changes the delivery address of a confirmed, unshipped order."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = forget("new_shipping_address", "address_confirmed")
        if setting_up_address(tracker):
            utter(dispatcher, "utter_address_setup_info")
            return [SlotSet("backend_down", None)] if tracker.get_slot("backend_down") else []
        order, events = await verified_order(dispatcher, tracker, "changing the address of")
        if order is None:
            return events + done
        order_id, address = order["id"], tracker.get_slot("new_shipping_address")
        if order.get("status") != CHANGEABLE or not address:
            return self.explain(dispatcher, order) + done
        if tracker.get_slot("address_confirmed") is not True:
            utter(dispatcher, "utter_address_kept", order_id=order_id,
                  address=order.get("shipping_address") or "the address on the order")
            return done
        try:
            changed = await clients.crm().change_shipping_address(
                order_id, address, idempotency_key(tracker, f"change-address-{order_id}"))
        except Rejected as refusal:  # the service's code decides, the fresh order adds facts
            try:
                order = await clients.crm().get_order(order_id)
            except (BackendError, NotFound):
                pass
            return self.explain(dispatcher, explained_status(order, refusal.code)) + done
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"changing the address of order {order_id}") + done
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return done
        utter(dispatcher, "utter_address_changed", order_id=order_id,
              address=changed.get("shipping_address") or address)
        return done

    @staticmethod
    def explain(dispatcher: CollectingDispatcher, order: Json) -> List[EventType]:
        order_id, status = order["id"], order.get("status")
        if status == "shipped":
            utter(dispatcher, "utter_address_shipped", order_id=order_id,
                  carrier=order.get("carrier") or "the carrier",
                  tracking_number=order.get("tracking_number") or "on your shipping email")
            return [SlotSet("handoff_reason", f"Wants to change the delivery address of shipped "
                                              f"order {order_id}")]
        if status == "delivered":
            utter(dispatcher, "utter_address_delivered", order_id=order_id,
                  delivered_on=friendly_date(order.get("delivered_at")))
            return []
        if status == "cancelled":
            utter(dispatcher, "utter_address_order_cancelled", order_id=order_id)
            return []
        utter(dispatcher, "utter_order_status_other", order_id=order_id, status=status)
        return []
