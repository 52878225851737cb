"""Approvals: high-risk actions the bot may not do alone wait for a person.

The bot attaches an `approval` to its handoff package when billing holds
something for approval (a refund over $500: billing's rule, and the kinds
the inbox accepts are APPROVAL_KINDS below). An approver (a supervisor, or an
agent a supervisor made approver) approves or denies it with a note; the
inbox carries the decision out in billing, tells the customer on their own
channel, and writes every step to the audit log.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional
from urllib.parse import quote

import aiohttp
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.inbox.errors import ApiError
from services.inbox.models import Approval, AuditEntry, Handoff, utcnow

logger = logging.getLogger("inbox.approvals")

# What the inbox can carry out once decided, by kind: billing's endpoints.
APPROVAL_KINDS = {"refund": {"approve": "/refunds/{id}/approve", "deny": "/refunds/{id}/deny"}}
FACT_FIELDS = ("customer", "order_id", "amount", "reason", "refund_method", "rma", "summary")

# What the customer hears, in their language (English when not translated).
TOLD = {
    "en": {
        "approved": "Good news: your refund of {amount} for order {order_id} has been approved. {next}",
        "approved_next_card": "It reaches your original payment method within 5 to 7 business days of being issued.",
        "approved_next_waiting": "It is issued as soon as the returned item reaches our warehouse; then it takes 5 to 7 business days.",
        "approved_next_credit": "The store credit is on your account now.",
        "denied": "We're sorry: your refund of {amount} for order {order_id} was not approved. The reason: {note} "
                  "If you'd like to talk about it, reply here and a person from our team will help.",
    },
    "es": {
        "approved": "Buenas noticias: tu reembolso de {amount} del pedido {order_id} ha sido aprobado. {next}",
        "approved_next_card": "Llega a tu método de pago original en 5 a 7 días hábiles desde que se emite.",
        "approved_next_waiting": "Se emite en cuanto el artículo devuelto llegue a nuestro almacén; luego tarda 5 a 7 días hábiles.",
        "approved_next_credit": "El crédito de la tienda ya está en tu cuenta.",
        "denied": "Lo sentimos: tu reembolso de {amount} del pedido {order_id} no fue aprobado. El motivo: {note} "
                  "Si quieres hablarlo, responde aquí y una persona de nuestro equipo te ayudará.",
    },
}


class BillingUnavailable(Exception):
    """Billing did not carry the decision out (down, slow, or refused)."""


def audit(s: Session, action: str, approval: Approval, actor_id: Optional[int], actor: str,
          note: Optional[str] = None, **detail: Any) -> None:
    s.add(AuditEntry(actor_id=actor_id, actor=actor, action=action, subject=f"approval:{approval.id}",
                     note=note, detail=detail))


def _facts(raw: Dict[str, Any]) -> Dict[str, Any]:
    facts = {k: raw.get(k) for k in FACT_FIELDS if raw.get(k) is not None}
    for key, value in facts.items():
        if not isinstance(value, (str, int, float, dict)):
            raise ApiError(400, "invalid_field", f"'approval.{key}' has the wrong type.")
    return facts


def request_from_package(s: Session, handoff: Handoff, raw: Any) -> Optional[Approval]:
    """The approval a handoff package asks for (None if it asks for none).
    The same subject asked for twice is one approval."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("kind") not in APPROVAL_KINDS:
        raise ApiError(400, "invalid_field", f"'approval.kind' must be one of {sorted(APPROVAL_KINDS)}.")
    subject = raw.get("subject_id")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 64:
        raise ApiError(400, "invalid_field", "'approval.subject_id' must be the refund's id.")
    existing = s.query(Approval).filter_by(kind=raw["kind"], subject_id=subject).first()
    if existing:
        return existing
    facts = _facts(raw)
    customer = (handoff.context or {}).get("customer")
    if "customer" not in facts and isinstance(customer, dict):
        facts["customer"] = {k: customer.get(k) for k in ("id", "name", "email") if customer.get(k)}
    approval = Approval(kind=raw["kind"], subject_id=subject, handoff_id=handoff.id,
                        sender_id=handoff.sender_id, input_channel=handoff.input_channel,
                        language=handoff.language, facts={**facts, "context_summary": handoff.summary})
    try:
        with s.begin_nested():
            s.add(approval)
            s.flush()
    except IntegrityError:  # the same request raced in from a retried call
        return s.query(Approval).filter_by(kind=raw["kind"], subject_id=subject).one()
    audit(s, "approval.requested", approval, None, "bot", detail_reason=approval.facts.get("reason"))
    logger.info("approval %s requested for %s %s (%s)", approval.id, approval.kind, subject,
                handoff.sender_id)
    return approval


@dataclass
class Billing:
    url: str
    token: str
    timeout: float = 5.0

    async def decide(self, kind: str, subject_id: str, decision: str, agent: str) -> Dict[str, Any]:
        """Carries out `decision` ("approve"/"deny") in billing; the refund as billing has it now."""
        if not (self.url and self.token):
            raise BillingUnavailable("billing is not configured (BILLING_API_URL, BILLING_API_TOKEN)")
        path = APPROVAL_KINDS[kind][decision].format(id=quote(subject_id, safe=""))
        headers = {"Authorization": f"Bearer {self.token}",
                   # billing's retries are safe: same key, same answer
                   "Idempotency-Key": f"inbox-{decision}-{kind}-{subject_id}"}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
                async with session.post(self.url + path, json={"agent": agent}, headers=headers) as resp:
                    raw = await resp.text()
                    status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise BillingUnavailable(f"billing at {self.url} did not answer ({exc!r})") from exc
        if status >= 300:
            raise BillingUnavailable(f"billing answered {status}: {raw[:300]}")
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise BillingUnavailable(f"billing sent something that is not JSON: {raw[:200]}") from exc


def customer_text(approval: Approval, decision: str, refund: Dict[str, Any], note: str) -> str:
    words = TOLD.get(approval.language, TOLD["en"])
    facts = approval.facts or {}
    amount = facts.get("amount") or refund.get("amount") or ""
    amount = f"${amount}" if amount and not str(amount).startswith("$") else amount
    values = {"amount": amount, "order_id": facts.get("order_id") or refund.get("order_id") or "",
              "note": note.rstrip(".") + "." if note else ""}
    if decision == "deny":
        return words["denied"].format(**values)
    status = refund.get("status")
    credit = "store credit" in str(refund.get("method", "")).lower()
    next_key = ("approved_next_credit" if credit else
                "approved_next_waiting" if status == "awaiting_item" else "approved_next_card")
    return words["approved"].format(**values, next=words[next_key])


def approval_dict(approval: Approval, audit_rows=None) -> Dict[str, Any]:
    answer = {
        "id": approval.id, "kind": approval.kind, "subject_id": approval.subject_id,
        "status": approval.status, "handoff_id": approval.handoff_id, "sender_id": approval.sender_id,
        "input_channel": approval.input_channel, "language": approval.language,
        "facts": approval.facts or {}, "created_at": approval.created_at.isoformat() + "Z",
        "decided_at": approval.decided_at.isoformat() + "Z" if approval.decided_at else None,
        "decided_by": ({"id": approval.decided_by.id, "name": approval.decided_by.name,
                        "email": approval.decided_by.email} if approval.decided_by else None),
        "note": approval.note, "customer_notified": approval.customer_notified,
    }
    if audit_rows is not None:
        answer["audit"] = [{"at": row.at.isoformat() + "Z", "actor": row.actor, "action": row.action,
                            "note": row.note, "detail": row.detail or {}} for row in audit_rows]
    return answer


def mark_decided(approval: Approval, decision: str, agent_id: int, note: str) -> None:
    approval.status = "approved" if decision == "approve" else "denied"
    approval.decided_at, approval.decided_by_id, approval.note = utcnow(), agent_id, note
