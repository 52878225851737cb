"""JSON shapes of handoffs and messages, as the API and the page see them."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

from services.inbox.models import Agent, Handoff, Message, utcnow
from services.inbox.routing import seconds_left


def iso(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def iso_epoch(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def agent_ref(agent: Optional[Agent]) -> Optional[Dict[str, Any]]:
    return {"id": agent.id, "name": agent.name, "email": agent.email} if agent else None


def waiting_seconds(h: Handoff, now: dt.datetime) -> int:
    """How long the customer waited (so far, or until someone claimed it)."""
    until = h.claimed_at or (now if h.status in ("waiting", "ticket") else h.closed_at or now)
    return max(0, int((until - h.created_at).total_seconds()))


def handoff_row(h: Handoff, now: Optional[dt.datetime] = None) -> Dict[str, Any]:
    customer = (h.context or {}).get("customer") or {}
    return {
        "id": h.id, "sender_id": h.sender_id, "input_channel": h.input_channel,
        "status": h.status, "queue": h.queue, "priority": h.priority, "language": h.language,
        "reason": h.reason, "summary": h.summary,
        "customer_name": customer.get("name") if isinstance(customer, dict) else None,
        "created_at": iso(h.created_at), "claimed_by": agent_ref(h.claimed_by),
        "claimed_at": iso(h.claimed_at), "waiting_seconds": waiting_seconds(h, now or utcnow()),
        "resolution": h.resolution, "released_at": iso(h.released_at),
        "closed_at": iso(h.closed_at),
        # a ticket: where to answer (the chat, or which email) and why not live
        "answer_to": (h.context or {}).get("answer_to"),
        "assigned_to": agent_ref(h.claimed_by) if h.status == "assigned" else None,
        "sla_due_at": iso(h.sla_due_at), "sla_seconds_left": seconds_left(h, now or utcnow()),
        "sla_breached": h.sla_breached_at is not None, "first_response_at": iso(h.first_response_at),
    }


def message_dict(m: Message) -> Dict[str, Any]:
    return {"id": m.id, "direction": m.direction, "text": m.text, "ts": m.ts,
            "at": iso_epoch(m.ts), "author": m.author.name if m.author else None}


def handoff_detail(h: Handoff, messages: List[Message]) -> Dict[str, Any]:
    return {**handoff_row(h), "context": h.context or {}, "released_slots": h.released_slots,
            "messages": [message_dict(m) for m in messages]}
