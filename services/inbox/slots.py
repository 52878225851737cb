"""Which slots an agent may set when handing a conversation back to the bot.

Only facts the bot re-checks itself (an order or invoice number is looked up
against the verified customer before anything is shown) are on the list.
Verification slots (customer_verified, customer_id, verified_by and any
future verified_* slot) are never settable: an agent's release must not turn
an unverified customer into a verified one. Designers who add a harmless slot
agents should set add it to AGENT_SLOTS and to docs/inbox.md.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict

from services.inbox.auth import CurrentAgent
from services.inbox.errors import ApiError

logger = logging.getLogger("inbox.slots")

AGENT_SLOTS = ("order_id", "invoice_id", "refund_id", "return_reason")
MAX_VALUE = 255
SLOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def agent_slots(body: Dict[str, Any], agent: CurrentAgent, handoff_id: int) -> Dict[str, Any]:
    """The body's `slots`, or a 400 naming every slot the agent may not set."""
    slots = body.get("slots") or {}
    if not isinstance(slots, dict) or not all(SLOT_NAME.match(str(k)) for k in slots):
        raise ApiError(400, "invalid_field", "'slots' must map slot names to values.")
    refused = sorted(name for name in slots if name not in AGENT_SLOTS)
    if refused:
        logger.warning("agent %s tried to set slots %s on handoff %s; refused", agent.id,
                       ", ".join(refused), handoff_id)
        raise ApiError(400, "slot_not_allowed",
                       f"Agents cannot set {', '.join(refused)}; allowed: {', '.join(AGENT_SLOTS)}.",
                       extra={"slots": refused, "allowed": list(AGENT_SLOTS)})
    bad = sorted(name for name, value in slots.items()
                 if value is not None and (not isinstance(value, str) or len(value) > MAX_VALUE))
    if bad:
        raise ApiError(400, "invalid_field", f"Slots {', '.join(bad)} take text up to "
                       f"{MAX_VALUE} characters (or null to clear).")
    return slots
