"""Ending a customer's verification lockout from a handoff (docs/inbox.md).

The CRM counts failed proofs per order and per customer; an ownership check
is refused while either is locked. So unlocking an order also unlocks the
customer who placed it, or the customer would still be locked out.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from services.inbox.auth import CurrentAgent
from services.inbox.crm_client import CrmClient
from services.inbox.errors import ApiError
from services.inbox.handoffs import require_holder, require_open
from services.inbox.models import Handoff

MAX_ID = 64


def _id(value: Any) -> Optional[str]:
    """A usable id from the package: a short string or a number, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and 0 < len(value.strip()) <= MAX_ID:
        return value.strip()
    return None


def _first(*candidates: Any) -> Optional[str]:
    return next((found for found in map(_id, candidates) if found), None)


def _part(context: Dict[str, Any], name: str) -> Dict[str, Any]:
    value = context.get(name)
    return value if isinstance(value, dict) else {}


def subjects_of(context: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
    """(customer id, order id) the context package names: the verified customer
    and order if the bot fetched them, else what the customer gave (slots).
    `account_candidate` is the account an email named before its code failed."""
    customer, order, slots = (_part(context, n) for n in ("customer", "order", "slots"))
    customer_id = _first(customer.get("id"), slots.get("customer_id"),
                         slots.get("account_candidate"), order.get("customer_id"))
    return customer_id, _first(order.get("id"), slots.get("order_id"))


def require_may_unlock(handoff: Handoff, agent: CurrentAgent) -> None:
    """The agent holding the open handoff, or any supervisor."""
    if agent.is_supervisor:
        require_open(handoff)
    else:
        require_holder(handoff, agent)


def unlock_target(handoff: Handoff) -> Tuple[Optional[str], Optional[str]]:
    """What to unlock, or 409 when the handoff names neither customer nor order."""
    customer_id, order_id = subjects_of(handoff.context or {})
    if not (customer_id or order_id):
        raise ApiError(409, "nothing_to_unlock",
                       "This handoff names no customer or order to unlock.")
    return customer_id, order_id


async def unlock(crm: CrmClient, customer_id: Optional[str], order_id: Optional[str]) -> List[str]:
    """Unlocks the customer and the order, and the order's customer if the
    package did not name one; returns the subjects the CRM cleared."""
    if order_id and not customer_id:
        customer_id = await crm.order_customer(order_id)
    return await crm.unlock_verification(customer_id, order_id)


def describe(subjects: List[str]) -> str:
    """"customer:C001", "order:10231" -> "customer C001, order 10231"."""
    return ", ".join(subject.replace(":", " ", 1) for subject in subjects)
