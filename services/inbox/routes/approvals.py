"""Approvers' API: list, read, approve, deny (services/inbox/approvals.py)."""
from __future__ import annotations

import logging
import time

from sanic import Blueprint
from sanic.request import Request
from sanic.response import json

from services.inbox import channels
from services.inbox.approvals import (APPROVAL_KINDS, Billing, BillingUnavailable, approval_dict, audit,
                                      customer_text, mark_decided)
from services.inbox.auth import approver_required
from services.inbox.errors import ApiError
from services.inbox.handoffs import append_message
from services.inbox.models import APPROVAL_STATUSES, Approval, AuditEntry, Handoff
from services.inbox.rasa_client import RasaUnavailable
from services.inbox.validate import MAX_TEXT, choice, json_body

bp = Blueprint("approvals", url_prefix="/api/approvals")
logger = logging.getLogger("inbox.approvals")
DECISIONS = {"approve": "approved", "deny": "denied"}


def _approval(s, approval_id: int) -> Approval:
    approval = s.get(Approval, approval_id)
    if approval is None:
        raise ApiError(404, "approval_not_found", f"No approval {approval_id}.")
    return approval


@bp.get("")
@approver_required
async def list_approvals(request: Request):
    status = choice(request.args.get("status"), "status", APPROVAL_STATUSES, default="pending")
    with request.app.ctx.db.session() as s:
        rows = (s.query(Approval).filter(Approval.status == status)
                .order_by(Approval.created_at, Approval.id).limit(200).all())
        return json({"approvals": [approval_dict(a) for a in rows]})


@bp.get("/<approval_id:int>")
@approver_required
async def get_approval(request: Request, approval_id: int):
    with request.app.ctx.db.session() as s:
        approval = _approval(s, approval_id)
        trail = (s.query(AuditEntry).filter(AuditEntry.subject == f"approval:{approval_id}")
                 .order_by(AuditEntry.id).all())
        return json(approval_dict(approval, trail))


async def _decide(request: Request, approval_id: int, decision: str):
    body = json_body(request)
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_TEXT:
        raise ApiError(400, "invalid_field", "'note' must be a string.")
    note = note.strip()
    if decision == "deny" and not note:
        raise ApiError(400, "invalid_field", "Say why in 'note': the customer is told.")
    agent = request.ctx.agent
    db = request.app.ctx.db
    with db.session() as s:
        approval = _approval(s, approval_id)
        if approval.status != "pending":
            raise ApiError(409, "approval_decided", f"This approval was already {approval.status}.")
        kind, subject = approval.kind, approval.subject_id
    config = request.app.ctx.config
    billing = Billing(config.billing_url, config.billing_token, config.crm_timeout)
    try:
        refund = await billing.decide(kind, subject, decision, agent.email)
    except BillingUnavailable as error:
        logger.error("approval %s: %s not carried out: %s", approval_id, decision, error)
        with db.session() as s:
            audit(s, f"approval.{decision}_failed", _approval(s, approval_id), agent.id, agent.email,
                  note, error=str(error)[:500])
        raise ApiError(502, "billing_unavailable",
                       "Billing did not carry this out; the approval is still pending. Try again.")
    with db.session() as s:
        approval = _approval(s, approval_id)
        # a colleague's decision may have landed meanwhile: the first one stands
        updated = (s.query(Approval).filter(Approval.id == approval_id, Approval.status == "pending")
                   .update({"status": DECISIONS[decision]}, synchronize_session=False))
        if not updated:
            raise ApiError(409, "approval_decided", "A colleague decided this approval just now.")
        mark_decided(approval, decision, agent.id, note)
        audit(s, f"approval.{DECISIONS[decision]}", approval, agent.id, agent.email, note,
              billing_status=refund.get("status"))
        text = customer_text(approval, decision, refund, note)
        target = (approval.input_channel, approval.sender_id, approval.handoff_id)
    told = await _tell_customer(request, approval_id, target, text)
    with db.session() as s:
        approval = _approval(s, approval_id)
        approval.customer_notified = told
        audit(s, "approval.customer_told" if told else "approval.customer_not_reached", approval,
              agent.id, agent.email, None, text=text)
        answer = approval_dict(approval)
    request.app.ctx.notifier.notify()
    logger.info("approval %s %s by %s (billing: %s; customer told: %s)", approval_id,
                DECISIONS[decision], agent.email, refund.get("status"), told)
    return json({**answer, "billing": refund})


async def _tell_customer(request: Request, approval_id: int, target, text: str) -> bool:
    """On the customer's own channel, whether or not the bot has resumed; the
    line also goes into Rasa's tracker and the handoff's transcript."""
    input_channel, sender_id, handoff_id = target
    window = await channels.window_status(input_channel, sender_id)
    sent = await channels.send_agent_text(input_channel, sender_id, text) if window["can_push"] else {}
    agent = request.ctx.agent
    with request.app.ctx.db.session() as s:
        handoff = s.get(Handoff, handoff_id) if handoff_id else None
        if handoff is not None:
            if sent.get("sent"):
                append_message(s, handoff, "agent", text, time.time(), author_id=agent.id)
            else:
                append_message(s, handoff, "note", "The customer could not be told on "
                               f"{input_channel} ({window.get('message') or sent.get('error')}): "
                               "tell them by email. Text: " + text, time.time(), author_id=agent.id)
    if not sent.get("sent"):
        return False
    try:
        await request.app.ctx.rasa.append_events(sender_id, [
            {"event": "bot", "text": text, "timestamp": time.time(),
             "metadata": {"agent": agent.name, "agent_email": agent.email, "approval_id": approval_id}}])
    except RasaUnavailable as exc:
        logger.warning("approval %s told to %s but not logged in Rasa: %s", approval_id, sender_id, exc)
    return True


@bp.post("/<approval_id:int>/approve")
@approver_required
async def approve(request: Request, approval_id: int):
    return await _decide(request, approval_id, "approve")


@bp.post("/<approval_id:int>/deny")
@approver_required
async def deny(request: Request, approval_id: int):
    return await _decide(request, approval_id, "deny")


__all__ = ["bp", "APPROVAL_KINDS"]
