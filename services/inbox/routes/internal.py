"""The bot's side: handing a conversation over (bearer INBOX_SERVICE_TOKEN)."""
from __future__ import annotations

import logging

from sanic import Blueprint
from sanic.request import Request
from sanic.response import json

from services.inbox.auth import service_required
from services.inbox.handoffs import create_or_merge, expected_wait_minutes
from services.inbox.routing import route, start_sla
from services.inbox.validate import json_body

bp = Blueprint("internal", url_prefix="/api/internal")
logger = logging.getLogger("inbox.internal")


@bp.post("/handoffs")
@service_required
async def create_handoff(request: Request):
    """201 for a new handoff; 200 when the conversation already had an open one.
    `expected_wait_minutes` (or null) lets the bot tell the customer how long."""
    with request.app.ctx.db.session() as s:
        handoff, created = create_or_merge(s, json_body(request))
        start_sla(handoff, request.app.ctx.config)
        answer = {"id": handoff.id, "status": handoff.status, "created": created,
                  "expected_wait_minutes": expected_wait_minutes(s, handoff.queue)
                  if handoff.status == "waiting" else None}
    logger.info("%s handoff %s (%s)", "new" if created else "merged into", answer["id"],
                answer["status"])
    request.app.ctx.notifier.notify()
    await route(request.app)  # to a free agent now, if there is one
    return json(answer, status=201 if created else 200)
