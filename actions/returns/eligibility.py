"""An order's items and whether they can be returned, from the order's facts
(the CRM enforces the same rules again at quote and creation), and how a
refusal is explained with the alternative the customer has."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.base import Json, Rejected
from actions.shared.common import friendly_date
from actions.shared.messages import utter

ALL_WORDS = re.compile(r"\b(all|both|everything|every item|each)\b", re.I)
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
            "fourth": 3, "4th": 3}
STOP_WORDS = {"the", "and", "my", "one", "item", "items", "just", "only", "please", "return",
              "from", "order", "it", "this", "that", "a", "an", "of", "for"}


def order_items(order: Json) -> List[Json]:
    return [{"sku": i.get("sku"), "name": i.get("name") or i.get("sku"), "qty": int(i.get("qty") or 1),
             "price": i.get("price"), "final_sale": bool(i.get("final_sale"))}
            for i in order.get("items", [])]


def returnable(items: Iterable[Json]) -> List[Json]:
    return [i for i in items if not i.get("final_sale")]


def item_label(items: Iterable[Json]) -> str:
    parts = [f"{i['qty']} x {i['name']}" if int(i.get("qty") or 1) > 1 else i["name"] for i in items]
    return " and ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " and " + parts[-1]


def words(text: str) -> set:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in STOP_WORDS}


def match_items(mentions: Iterable[str], items: List[Json]) -> List[Json]:
    """The order items the customer's words name: SKUs (button payloads), names
    or parts of names ("the tote"), ordinals ("the second one") or "both"/"all"."""
    found: List[Json] = []
    for mention in mentions:
        text = str(mention or "").strip()
        if not text:
            continue
        if ALL_WORDS.search(text):
            return list(items)
        lowered = text.lower()
        hits = [i for i in items if lowered == str(i["sku"]).lower()]
        hits = hits or [i for i in items if lowered in i["name"].lower() or i["name"].lower() in lowered]
        hits = hits or [i for i in items if words(text) & words(i["name"])]
        if not hits and lowered.isdigit() and 0 < int(lowered) <= len(items):
            hits = [items[int(lowered) - 1]]  # "2": the second button
        if not hits:
            for token in re.findall(r"[a-z0-9]+", lowered):
                if token in ORDINALS and ORDINALS[token] < len(items):
                    hits = [items[ORDINALS[token]]]
                    break
        found += [i for i in hits if i not in found]
    return found


def ineligibility(order: Json, today: Optional[date] = None) -> Optional[str]:
    """Why an order cannot be returned at all (the CRM's codes), from its facts."""
    status = order.get("status")
    if status == "cancelled":
        return "cancelled"
    if status != "delivered" or not order.get("delivered_at"):
        return "not_delivered"
    ends = order.get("return_window_ends")
    if ends and (today or date.today()) > date.fromisoformat(ends[:10]):
        return "return_window_expired"
    if not returnable(order_items(order)):
        return "final_sale"
    return None


def explain_ineligible(dispatcher: CollectingDispatcher, code: str, order: Json,
                       items: Optional[List[Json]] = None) -> Optional[str]:
    """Tells the customer the rule and the alternative; returns a handoff reason
    when the alternative is a person."""
    order_id = order.get("id")
    if code == "not_delivered":
        response = ("utter_return_not_delivered_processing" if order.get("status") == "processing"
                    else "utter_return_not_delivered_shipped")
        utter(dispatcher, response, order_id=order_id,
              eta=friendly_date(order.get("estimated_delivery")))
        return None
    if code == "cancelled":
        utter(dispatcher, "utter_return_order_cancelled", order_id=order_id)
        return None
    if code == "return_window_expired":
        utter(dispatcher, "utter_return_window_expired", order_id=order_id,
              delivered_on=friendly_date(order.get("delivered_at")),
              window_end=friendly_date(order.get("return_window_ends")))
        return (f"Return of order {order_id} refused: the 30-day return window closed on "
                f"{order.get('return_window_ends')}")
    if code == "final_sale":
        final = [i for i in order_items(order) if i["final_sale"]] or order_items(order)
        utter(dispatcher, "utter_return_final_sale", items=item_label(final), order_id=order_id)
        return f"Return of order {order_id} refused: {item_label(final)} is final sale"
    label = item_label(items or order_items(order))
    utter(dispatcher, "utter_return_already_returned", items=label, order_id=order_id)
    return f"Return of order {order_id} refused: {label} already returned"


def refused_items(refusal: Rejected, tracker: Tracker) -> Dict[Text, Any]:
    """Narrows the items to the one the CRM refused, when it names it
    ("SWT-MER-M: 1 already returned"), so the explanation names the right item."""
    named = re.match(r"\s*([A-Z0-9][A-Z0-9-]*):", refusal.message or "")
    chosen = tracker.get_slot("return_items") or []
    if named and named.group(1) in chosen and len(chosen) > 1:
        return {"return_items": [named.group(1)]}
    return {}
