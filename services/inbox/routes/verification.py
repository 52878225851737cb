"""Agents' API: end a customer's verification lockout from a handoff (the CRM's unlock)."""
from __future__ import annotations

import logging

from sanic import Blueprint
from sanic.request import Request
from sanic.response import json

from services.inbox.auth import agent_required
from services.inbox.crm_client import CrmClient, CrmUnavailable
from services.inbox.errors import ApiError
from services.inbox.handoffs import get_handoff
from services.inbox.routes.handoffs import record_line
from services.inbox.unlock import describe, require_may_unlock, unlock, unlock_target

bp = Blueprint("verification", url_prefix="/api/handoffs")
# Who ended whose lockout, kept apart from the request log (security review reads it).
audit = logging.getLogger("inbox.audit")


def _target(request: Request, handoff_id: int):
    with request.app.ctx.db.session() as s:
        handoff = get_handoff(s, handoff_id)
        require_may_unlock(handoff, request.ctx.agent)
        return unlock_target(handoff)


def _crm(request: Request) -> CrmClient:
    crm = CrmClient.from_config(request.app.ctx.config)
    if crm is None:
        raise ApiError(503, "crm_not_configured",
                       "CRM not configured: set CRM_API_URL and CRM_API_TOKEN for the inbox.")
    return crm


def _note(request: Request, handoff_id: int, unlocked) -> dict:
    text = (f"Verification unlocked by {request.ctx.agent.name} "
            f"({describe(unlocked) or 'nothing was locked'}).")
    return record_line(request, handoff_id, "note", text)


@bp.post("/<handoff_id:int>/unlock-verification")
@agent_required
async def unlock_verification(request: Request, handoff_id: int):
    """200 {"unlocked": ["customer:C001", "order:10231"], "message": note}."""
    customer_id, order_id = _target(request, handoff_id)
    crm = _crm(request)
    try:
        unlocked = await unlock(crm, customer_id, order_id)
    except CrmUnavailable as exc:
        raise ApiError(502, "crm_unavailable", f"Verification was not unlocked: {exc}.")
    agent = request.ctx.agent
    audit.info("agent %s (%s) unlocked verification for %s on handoff %s", agent.id, agent.role,
               ", ".join(unlocked) or "nothing", handoff_id)
    return json({"unlocked": unlocked, "message": _note(request, handoff_id, unlocked)})
