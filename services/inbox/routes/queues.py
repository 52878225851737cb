"""Supervisors' view: open handoffs by queue and priority, and who holds what."""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import json

from services.inbox.auth import supervisor_required
from services.inbox.models import OPEN_STATUSES, QUEUES, Agent, Handoff, utcnow
from services.inbox.serialize import handoff_row

bp = Blueprint("queues", url_prefix="/api")


def _queue_counts(open_handoffs, now):
    counts = {q: {"queue": q, "waiting": {"high": 0, "normal": 0}, "assigned": 0, "ticket": 0,
                  "oldest_waiting_seconds": 0} for q in QUEUES}
    for h in open_handoffs:
        entry = counts[h.queue]  # queues are validated on the way in
        if h.status == "waiting":
            entry["waiting"][h.priority] = entry["waiting"].get(h.priority, 0) + 1
            waited = int((now - h.created_at).total_seconds())
            entry["oldest_waiting_seconds"] = max(entry["oldest_waiting_seconds"], waited)
        else:
            entry[h.status] += 1
    return list(counts.values())


@bp.get("/queues")
@supervisor_required
async def queues(request: Request):
    now = utcnow()
    with request.app.ctx.db.session() as s:
        open_handoffs = s.query(Handoff).filter(Handoff.status.in_(OPEN_STATUSES)).all()
        agents = s.query(Agent).order_by(Agent.name).all()
        holding = {}
        for h in open_handoffs:
            if h.claimed_by_id:
                holding.setdefault(h.claimed_by_id, []).append(handoff_row(h, now))
        return json({
            "queues": _queue_counts(open_handoffs, now),
            "agents": [{"id": a.id, "name": a.name, "email": a.email, "role": a.role,
                        "team": a.team, "languages": list(a.language_list),
                        "holding": holding.get(a.id, [])} for a in agents],
        })
