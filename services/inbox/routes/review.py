"""The review loop's API (services/inbox/review.py): list, label."""
from __future__ import annotations

import asyncio
import functools
import logging

from sanic import Blueprint
from sanic.request import Request
from sanic.response import json

from services.inbox import review
from services.inbox.auth import agent_required
from services.inbox.errors import ApiError
from services.inbox.models import ReviewLabel, utcnow
from services.inbox.validate import choice, int_arg, json_body

bp = Blueprint("review", url_prefix="/api/review")
logger = logging.getLogger("inbox.review")


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args))


@bp.get("/intents")
@agent_required
async def intents(request: Request):
    return json({"intents": list(review.domain_intents()), "out_of_scope": review.OUT_OF_SCOPE})


@bp.get("/messages")
@agent_required
async def list_messages(request: Request):
    kind = choice(request.args.get("kind"), "kind", review.KINDS, default="fallback")
    limit = int_arg(request, "limit", 50, 1, 200)
    before = int_arg(request, "before", 0, 0, 2 ** 62) or None
    config = request.app.ctx.config
    try:
        found = await _off_loop(review.messages, config.event_db_url, kind, config.review_threshold,
                                limit, before)
    except Exception as error:  # no broker table yet, or it is unreachable
        logger.error("review: cannot read the event broker: %s", error)
        raise ApiError(503, "events_unavailable", "Rasa's conversation events cannot be read right now.")
    with request.app.ctx.db.session() as s:
        labels = {l.event_id: l for l in s.query(ReviewLabel).filter(
            ReviewLabel.event_id.in_([m["id"] for m in found])).all()} if found else {}
        for item in found:
            label = labels.get(item["id"])
            item["label"] = ({"intent": label.intent, "by": label.labelled_by.name,
                              "at": label.labelled_at.isoformat() + "Z"} if label else None)
    return json({"messages": found, "threshold": config.review_threshold})


@bp.post("/messages/<event_id:int>/label")
@agent_required
async def label(request: Request, event_id: int):
    """Body: {"intent": "track_order"} or {"out_of_scope": true}."""
    body = json_body(request)
    if body.get("out_of_scope") is True:
        intent = review.OUT_OF_SCOPE
    elif isinstance(body.get("intent"), str) and body["intent"] in review.domain_intents():
        intent = body["intent"]
    else:
        raise ApiError(400, "invalid_field", "'intent' must be one of the domain's intents "
                       "(GET /api/review/intents), or send {\"out_of_scope\": true}.")
    event = await _off_loop(review.message, request.app.ctx.config.event_db_url, event_id)
    if event is None:
        raise ApiError(404, "message_not_found", f"No customer message {event_id}.")
    with request.app.ctx.db.session() as s:
        row = s.query(ReviewLabel).filter(ReviewLabel.event_id == event_id).one_or_none()
        if row is None:
            row = ReviewLabel(event_id=event_id, text=(event.get("text") or "")[:1000],
                              guessed=((event.get("parse_data") or {}).get("intent") or {}).get("name"),
                              intent=intent, labelled_by_id=request.ctx.agent.id)
            s.add(row)
        else:  # relabelled: the latest judgement counts
            row.intent, row.labelled_by_id, row.labelled_at = intent, request.ctx.agent.id, utcnow()
        s.flush()
        answer = {"event_id": event_id, "text": row.text, "intent": row.intent, "guessed": row.guessed}
    logger.info("agent %s labelled message %s as %s", request.ctx.agent.id, event_id, intent)
    return json(answer)
