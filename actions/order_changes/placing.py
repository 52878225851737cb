"""action_place_order_info: where and how to order, with the payment methods
billing accepts (the rest of the answer doesn't need the backend)."""
from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.clients.base import BackendError
from actions.shared.common import listed
from actions.shared.messages import utter


class ActionPlaceOrderInfo(NamedAction, action="action_place_order_info"):
    """Where and how to order, with the payment methods billing accepts."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        try:
            methods = await clients.billing().payment_methods()
        except BackendError:
            methods = []  # the rest of the answer doesn't need the backend
        if methods:
            utter(dispatcher, "utter_place_order_info", methods=listed(methods))
        else:
            utter(dispatcher, "utter_place_order_info_no_methods")
        utter(dispatcher, "utter_delivery_choices")
        return []
