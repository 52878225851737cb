"""Agents' API: list, read, claim (or claim the next), assist, reply, note, release to the bot, close, follow."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Dict, List, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from services.inbox import assist, channels
from services.inbox.auth import agent_required
from services.inbox.errors import ApiError
from services.inbox.handback import answer_missed, missed_messages, resume_events, seen_lines
from services.inbox.handoffs import append_message, claim, get_handoff, next_for, require_holder
from services.inbox.models import (OPEN_STATUSES, QUEUES, STATUSES, Handoff, Message, utcnow)
from services.inbox.rasa_client import RasaUnavailable
from services.inbox.routing import route
from services.inbox.serialize import handoff_detail, handoff_row, message_dict
from services.inbox.slots import agent_slots
from services.inbox.validate import choice, int_arg, json_body, text_field

bp = Blueprint("handoffs", url_prefix="/api/handoffs")
logger = logging.getLogger("inbox.handoffs")

RESOLUTIONS = ("resolved", "refund_approved", "replacement_sent", "escalated",
               "no_response", "duplicate", "spam")
MAX_WAIT = 25
# Outcomes the customer is asked to rate; spam, duplicates and silence are not.
RATED = ("resolved", "refund_approved", "replacement_sent", "escalated")
RATE = "EXTERNAL_csat"  # actions/csat.py


def _statuses(request: Request):
    raw = request.args.get("status")
    if not raw:
        return OPEN_STATUSES
    wanted = tuple(part.strip() for part in raw.split(",") if part.strip())
    for status in wanted:
        choice(status, "status", STATUSES)
    return wanted


@bp.get("")
@agent_required
async def list_handoffs(request: Request):
    statuses = _statuses(request)
    queue = request.args.get("queue")
    with request.app.ctx.db.session() as s:
        query = s.query(Handoff).filter(Handoff.status.in_(statuses))
        if request.args.get("sla_breached") in ("true", "1"):  # supervisors' list of missed targets
            query = query.filter(Handoff.sla_breached_at.isnot(None))
        if queue:
            query = query.filter(Handoff.queue == choice(queue, "queue", QUEUES))
        rows = (query.order_by(Handoff.language.in_(request.ctx.agent.languages).desc(),
                               (Handoff.priority == "high").desc(), Handoff.created_at)
                .limit(int_arg(request, "limit", 200, 1, 500)).all())
        now = utcnow()
        return json({"handoffs": [handoff_row(h, now) for h in rows]})


@bp.get("/<handoff_id:int>")
@agent_required
async def read_handoff(request: Request, handoff_id: int):
    with request.app.ctx.db.session() as s:
        handoff = get_handoff(s, handoff_id)
        messages = (s.query(Message).filter(Message.handoff_id == handoff_id)
                    .order_by(Message.id).all())
        detail = handoff_detail(handoff, messages)
    detail["window"] = await channels.window_status(detail["input_channel"], detail["sender_id"])
    return json(detail)


@bp.post("/<handoff_id:int>/claim")
@agent_required
async def claim_handoff(request: Request, handoff_id: int):
    """Body (optional, supervisors): {"agent_email": "..."} to assign someone else."""
    body = json_body(request)
    assignee = body.get("agent_email")
    if assignee is not None and not isinstance(assignee, str):
        raise ApiError(400, "invalid_field", "'agent_email' must be a string.")
    if not isinstance(body.get("anyway", False), bool):
        raise ApiError(400, "invalid_field", "'anyway' must be true or false.")
    with request.app.ctx.db.session() as s:
        handoff = get_handoff(s, handoff_id)
        claim(s, handoff, request.ctx.agent, assignee, anyway=body.get("anyway", False))
        row = handoff_row(handoff)
    request.app.ctx.notifier.notify()
    return json(row)


@bp.post("/next")
@agent_required
async def claim_next(request: Request):
    """Claims the waiting conversation this agent should take next (a language
    they speak first, then priority, then the longest wait); 404 when none."""
    with request.app.ctx.db.session() as s:
        handoff = next_for(s, request.ctx.agent)
        if handoff is None:
            raise ApiError(404, "nothing_waiting", "No conversation is waiting for you.")
        claim(s, handoff, request.ctx.agent)
        row = handoff_row(handoff)
    request.app.ctx.notifier.notify()
    return json(row)


@bp.get("/<handoff_id:int>/assist")
@agent_required
async def assist_handoff(request: Request, handoff_id: int):
    """For the customer's latest message: the top knowledge passages and a
    suggested reply in the customer's language (services/inbox/assist.py)."""
    with request.app.ctx.db.session() as s:
        handoff = get_handoff(s, handoff_id)
        latest = (s.query(Message).filter(Message.handoff_id == handoff_id, Message.direction == "customer")
                  .order_by(Message.ts.desc(), Message.id.desc()).first())
        facts = {"language": handoff.language, "context": handoff.context or {},
                 "question": latest.text if latest else ""}
    # retrieval is CPU work (milliseconds; the first call builds the index): off the event loop
    loop = asyncio.get_running_loop()
    return json(await loop.run_in_executor(None, assist.suggest, facts["question"], facts["language"],
                                           facts["context"]))


def _holder_target(request: Request, handoff_id: int):
    """(sender_id, input_channel) of a handoff the caller holds, else the 4xx."""
    with request.app.ctx.db.session() as s:
        handoff = get_handoff(s, handoff_id)
        require_holder(handoff, request.ctx.agent)
        return handoff.sender_id, handoff.input_channel


def record_line(request: Request, handoff_id: int, direction: str, text: str):
    with request.app.ctx.db.session() as s:
        message = append_message(s, get_handoff(s, handoff_id), direction, text, time.time(),
                                 author_id=request.ctx.agent.id)
        result = message_dict(message) if message else None
    request.app.ctx.notifier.notify()
    return result


@bp.post("/<handoff_id:int>/messages")
@agent_required
async def reply(request: Request, handoff_id: int):
    """Sends to the customer on their channel, then logs it in Rasa and the transcript."""
    text = text_field(json_body(request), "text")
    sender_id, input_channel = _holder_target(request, handoff_id)
    window = await channels.window_status(input_channel, sender_id)
    if not window["can_push"]:
        raise ApiError(409, "channel_cannot_push", window["message"])
    if not window["can_reply"]:
        raise ApiError(409, "window_closed", window["message"])
    sent = await channels.send_agent_text(input_channel, sender_id, text)
    if not sent.get("sent"):
        note = channels.template_sent(sent)
        if note:
            record_line(request, handoff_id, "note", note)
        if sent.get("error") == "window_closed":
            raise ApiError(409, "window_closed", note or window["message"]
                           or "The customer's messaging window is closed.")
        raise ApiError(502, "send_failed", f"Not delivered: {sent.get('error') or 'unknown error'}")
    agent = request.ctx.agent
    synced = True
    try:
        await request.app.ctx.rasa.append_events(sender_id, [
            {"event": "bot", "text": text, "timestamp": time.time(),
             "metadata": {"agent": agent.name, "agent_email": agent.email}}])
    except RasaUnavailable as exc:
        synced = False  # the customer has it; only Rasa's copy is missing
        logger.warning("reply to %s sent but not logged in Rasa: %s", sender_id, exc)
    line = record_line(request, handoff_id, "agent", text)
    with request.app.ctx.db.session() as s:  # the first reply meets (or misses) the SLA
        handoff = get_handoff(s, handoff_id)
        handoff.first_response_at = handoff.first_response_at or utcnow()
    return json({"message": line, "tracker_synced": synced, "fallback": sent.get("fallback")}, status=201)


@bp.post("/<handoff_id:int>/notes")
@agent_required
async def add_note(request: Request, handoff_id: int):
    text = text_field(json_body(request), "text")
    return json({"message": record_line(request, handoff_id, "note", text)}, status=201)


def _seen_until(body: Dict[str, Any]) -> Optional[int]:
    """The last message id the agent's page showed (optional; the page sends it)."""
    value = body.get("seen_message_id")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ApiError(400, "invalid_field", "'seen_message_id' must be a message id.")
    return value


async def _hand_back(request: Request, handoff_id: int, sender_id: str, body: Dict[str, Any],
                     slots: Dict[str, Any], then: Optional[str]) -> List[Dict[str, Any]]:
    """Resumes the bot, then has it act on intent `then` (greet back, ask for a
    rating), if any; returns what the agent missed."""
    db, rasa = request.app.ctx.db, request.app.ctx.rasa
    seen = seen_lines(db, handoff_id, _seen_until(body))
    try:
        await rasa.append_events(sender_id, resume_events(slots))
        if then == RATE:
            try:  # the rating question is a nicety: its failure never undoes the close
                await rasa.trigger_intent(sender_id, then)
            except RasaUnavailable as exc:
                logger.warning("closed %s, but the rating question was not asked: %s", sender_id, exc)
        elif then:
            await rasa.trigger_intent(sender_id, then)
    except RasaUnavailable as exc:
        raise ApiError(502, "rasa_unavailable", f"Could not hand back to the bot: {exc}")
    return await missed_messages(db, rasa, handoff_id, sender_id, seen)


async def _finish(request: Request, handoff_id: int, sender_id: str,
                  missed: List[Dict[str, Any]], note: str, **fields: Any) -> HTTPResponse:
    """Records the outcome first, then has the bot answer the missed messages."""
    response = _record_outcome(request, handoff_id, note, len(missed), **fields)
    await answer_missed(request.app.ctx.db, request.app.ctx.rasa, handoff_id, sender_id, missed)
    await route(request.app)  # the agent has a free place now
    return response


def _record_outcome(request: Request, handoff_id: int, note: str, missed: int,
                    **fields: Any) -> HTTPResponse:
    """Saves how the handoff ended, notes it in the transcript, tells the pages;
    `missed_messages` counts customer messages the bot was asked to answer."""
    with request.app.ctx.db.session() as s:
        handoff = get_handoff(s, handoff_id)
        for name, value in fields.items():
            setattr(handoff, name, value)
        append_message(s, handoff, "note", note, time.time(), author_id=request.ctx.agent.id)
        row = handoff_row(handoff)
    request.app.ctx.notifier.notify()
    return json({**row, "missed_messages": missed})


@bp.post("/<handoff_id:int>/release")
@agent_required
async def release(request: Request, handoff_id: int):
    """Resumes the bot (plus the agent's slots) and lets it greet the customer back."""
    body = json_body(request)
    slots = agent_slots(body, request.ctx.agent, handoff_id)
    sender_id, _ = _holder_target(request, handoff_id)
    missed = await _hand_back(request, handoff_id, sender_id, body, slots, "EXTERNAL_handback")
    return await _finish(request, handoff_id, sender_id, missed,
                         f"Released to the bot by {request.ctx.agent.name}.",
                         status="released", released_at=utcnow(), released_slots=slots)


@bp.post("/<handoff_id:int>/close")
@agent_required
async def close(request: Request, handoff_id: int):
    """Tags the outcome; an open conversation is resumed so the bot answers next time."""
    body = json_body(request)
    resolution = choice(body.get("resolution"), "resolution", RESOLUTIONS)
    agent = request.ctx.agent
    with request.app.ctx.db.session() as s:
        handoff = get_handoff(s, handoff_id)
        if handoff.status == "closed":
            raise ApiError(409, "handoff_not_open", "This handoff is already closed.")
        if handoff.claimed_by_id not in (None, agent.id) and not agent.is_supervisor:
            raise ApiError(409, "not_your_handoff",
                           f"{handoff.claimed_by.name} is handling this conversation.")
        still_paused, sender_id = handoff.status in OPEN_STATUSES, handoff.sender_id
    # a conversation a person resolved: the customer is asked to rate it (actions/csat.py)
    then = RATE if resolution in RATED else None
    missed = await _hand_back(request, handoff_id, sender_id, body, {}, then) \
        if still_paused else []
    return await _finish(request, handoff_id, sender_id, missed,
                         f"Closed as {resolution} by {agent.name}.",
                         status="closed", resolution=resolution, closed_at=utcnow())


@bp.get("/<handoff_id:int>/events")
@agent_required
async def follow(request: Request, handoff_id: int):
    """Messages after `after` (a message id); with `wait=N` it long-polls up to N seconds."""
    after = int_arg(request, "after", 0, 0, 2 ** 62)
    deadline = time.monotonic() + int_arg(request, "wait", 0, 0, MAX_WAIT)
    while True:
        with request.app.ctx.db.session() as s:
            handoff = get_handoff(s, handoff_id)
            messages = (s.query(Message).filter(Message.handoff_id == handoff_id,
                                                Message.id > after)
                        .order_by(Message.id).all())
            result = {"messages": [message_dict(m) for m in messages],
                      "handoff": handoff_row(handoff)}
        remaining = deadline - time.monotonic()
        if messages or remaining <= 0:
            return json(result)
        await request.app.ctx.notifier.wait(remaining)
