"""The return form's two questions that need more than a message: which item
(a button per returnable item of the order, and "all"), and the summary with
the CRM's quote (refund, fee, bonus) before the customer confirms."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions.clients.base import Json
from actions.shared.common import money
from actions.shared.messages import utter
from actions.returns.eligibility import item_label, returnable

# What the free return shipping is owed to, in the summary.
FREE_BECAUSE = {"damaged": "it arrived damaged", "defective": "it's defective",
                "wrong_item": "we sent the wrong item"}


class ActionAskReturnItems(NamedAction, action="action_ask_return_items"):
    """Which item: one button per returnable item of the order, and "all"."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        choices = returnable(tracker.get_slot("return_order_items") or [])
        buttons = [{"title": i["name"], "payload": "/inform" + json.dumps(
            {"product": i["sku"]}, separators=(",", ":"))} for i in choices]
        if len(choices) > 1:
            buttons.append({"title": "All of them", "payload": '/inform{"product":"all"}'})
        utter(dispatcher, "utter_return_which_item", extra_buttons=buttons)
        return []


class ActionAskReturnConfirmed(NamedAction, action="action_ask_return_confirmed"):
    """The summary with the CRM's amounts, and the question whether to go ahead."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        quote = tracker.get_slot("return_quote") or {}
        if not quote:
            utter(dispatcher, "utter_return_confirm_unclear")
            return []
        if quote.get("refund_status") == "pending_approval":
            utter(dispatcher, "utter_return_summary_needs_approval")
        summary = summary_message(quote)
        utter(dispatcher, summary.pop("message"), **summary)
        return []


def summary_message(quote: Json) -> Dict[str, Any]:
    """The message and its values for a quote from `GET /returns/quote`."""
    fee = Decimal(str(quote.get("fee") or "0"))
    bonus = Decimal(str(quote.get("store_credit_bonus") or "0"))
    refund = Decimal(str(quote.get("refund_amount") or "0"))
    credit = quote.get("refund_method") == "store_credit"
    name = "utter_return_summary_{}_{}".format("credit" if credit else "card",
                                               "fee" if fee > 0 else "free")
    return {"message": name, "items": item_label(quote.get("items", [])),
            "refund": money(refund), "fee": money(fee), "bonus": money(bonus),
            "net": money(refund - bonus),
            "free_because": FREE_BECAUSE.get(quote.get("condition"), "it's on us")}
