"""Supervisors' numbers: `GET /api/analytics?days=7` (services/analytics)."""
from __future__ import annotations

import asyncio
import functools

from sanic import Blueprint
from sanic.request import Request
from sanic.response import json

from services.analytics import MAX_DAYS, build_report
from services.inbox.auth import supervisor_required
from services.inbox.errors import ApiError

bp = Blueprint("analytics", url_prefix="/api")


@bp.get("/analytics")
@supervisor_required
async def analytics(request: Request):
    raw = request.args.get("days", "7")
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise ApiError(400, "invalid_field", f"'days' must be a whole number from 1 to {MAX_DAYS}.")
    config = request.app.ctx.config
    # Blocking SQL over possibly many rows: off the event loop.
    report = await asyncio.get_running_loop().run_in_executor(None, functools.partial(
        build_report, days, events_url=config.event_db_url, inbox_url=config.db_url))
    return json(report)
