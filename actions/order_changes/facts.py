"""Facts of an order being cancelled or changed, in the customer's words, and
how a new shipping address is read from a message."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.clients.base import Json
from actions.shared.common import friendly_date, money
from actions.shared.forms import slot_before_latest_message

CHANGEABLE = "processing"  # the only status in which an order can be cancelled or re-addressed
ORDER_FACTS = ("order_change_status", "order_change_summary", "order_change_address")
ORDER_WORD = re.compile(r"\border\b", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{2,}")
LEAD_IN = re.compile(r"^(?:(?:no|nope|sorry|actually|oops|wait|instead|please|pls|ok|okay|it'?s|it is|"
                     r"make it|change it to|send it to|deliver (?:it )?to|the new address is|new address)"
                     r"\b[\s,:.!-]*)+", re.IGNORECASE)


def order_summary(order: Json) -> str:
    """'Cast Iron Skillet 12in, $60.00' (quantities above one: '2 x Glass Water Bottle')."""
    names = []
    for item in order.get("items", []):
        name = item.get("name") or item.get("sku") or "item"
        qty = item.get("qty") or 1
        names.append(f"{qty} x {name}" if qty > 1 else name)
    return f"{', '.join(names) or 'your items'}, {money(order.get('total'))}"


def looks_like_address(text: str) -> bool:
    """A street address rather than an order number or a question: a number
    and at least two words, no question mark, no 'order'."""
    text = text.strip()
    if not (8 <= len(text) <= 300) or "?" in text or "@" in text or ORDER_WORD.search(text):
        return False
    return bool(re.search(r"\d", text)) and len(WORD.findall(text)) >= 2


def clean_address(text: str) -> str:
    """'no, 351 W 42nd St, New York' -> '351 W 42nd St, New York'."""
    return LEAD_IN.sub("", " ".join(str(text).split())).strip()


def order_before(tracker: Tracker) -> Optional[str]:
    """The order the conversation was about before the latest message."""
    return slot_before_latest_message(tracker, "order_id") or tracker.get_slot("order_id")


def return_path(order: Json, today: Optional[dt.date] = None) -> Dict[str, Any]:
    """Facts for the 'return it instead' messages of a delivered order."""
    ends = order.get("return_window_ends")
    today = today or dt.date.today()
    window_open = bool(ends) and dt.date.fromisoformat(ends[:10]) >= today
    return {"delivered_on": friendly_date(order.get("delivered_at")),
            "return_until": friendly_date(ends), "window_open": window_open}


def explained_status(order: Json, refusal_code: str) -> Json:
    """The order as the service's refusal (409) says it is: its code decides,
    the fresh order adds facts."""
    status = "cancelled" if refusal_code == "order_already_cancelled" else (
        order.get("status") if order.get("status") in ("shipped", "delivered") else "shipped")
    return {**order, "status": status}


def forget(*slots: str) -> List[EventType]:
    """Resets a flow's own slots so the next request starts clean."""
    return [SlotSet(slot, None) for slot in (*ORDER_FACTS, *slots)]
