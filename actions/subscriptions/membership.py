"""Harbor Plus membership facts: which membership counts, what can be done
with it, and the service's cancellation quote in the customer's words."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional

from actions.clients.base import Json
from actions.shared.common import friendly_date, money, month_word

MAX_PAUSE_MONTHS = 3  # knowledge/harbor_policies.md: "paused for up to 3 months"
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
MONTHS = re.compile(r"\b(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\s*(?:more\s+)?(months?|mo)\b", re.I)
YEAR = re.compile(r"\b(a|one|1)\s+year\b", re.I)
BARE_NUMBER = re.compile(r"^\s*(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\s*[.!]?\s*$", re.I)
KEEP = re.compile(r"\bkeep\b", re.I)
# The handoff reason when a membership flow could not verify the customer.
UNVERIFIED = "Could not verify the customer for a Harbor Plus request"


def current_subscription(subscriptions: List[Json]) -> Optional[Json]:
    """The membership that counts: a live one first, else the latest one."""
    live = [s for s in subscriptions if s.get("status") in ("active", "paused") and not s.get("cancel_at")]
    if live:
        return live[0]
    return subscriptions[-1] if subscriptions else None


def cancellable(sub: Json) -> bool:
    return bool(sub.get("id")) and sub.get("status") != "cancelled" and not sub.get("cancel_at")


def pausable(sub: Json) -> bool:
    return bool(sub.get("id")) and sub.get("status") == "active" and not sub.get("cancel_at")


def decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


def quote_values(sub: Json, quote: Json) -> Dict[str, Any]:
    """The service's cancellation-quote numbers, as the customer reads them. The
    unused months' value is the refund plus the fee the service deducted."""
    fee, refund = decimal(quote.get("fee")), decimal(quote.get("refund_amount"))
    return {"plan": sub.get("plan") or "Harbor Plus", "price": money(sub.get("price")),
            "fee": money(fee), "refund": money(refund), "gross": money(refund + fee),
            "unused_months": quote.get("unused_months"),
            "months_word": month_word(quote.get("unused_months")),
            "active_until": friendly_date(quote.get("effective_date") or sub.get("renews_at"))}


def quote_message(sub: Json, quote: Json) -> str:
    if sub.get("interval") != "year":
        return "monthly"
    return "annual" if decimal(quote.get("refund_amount")) > 0 else "annual_no_refund"


def months_in(text: str, asked: bool) -> Optional[int]:
    """'pause it for 2 months' -> 2; a bare '2' only when the months were asked."""
    if YEAR.search(text or "") and not MONTHS.search(text or ""):
        return 12
    found = MONTHS.search(text or "") or (BARE_NUMBER.match(text or "") if asked else None)
    if not found:
        return None
    word = found.group(1).lower()
    return int(word) if word.isdigit() else NUMBER_WORDS[word]
