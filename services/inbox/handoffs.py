"""Handoff rules: creating or merging a bot's package, transcript lines, claiming."""
from __future__ import annotations

import datetime as dt
import math
import statistics
import time
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy.orm import Session

from services.inbox import approvals
from services.inbox.auth import CurrentAgent
from services.inbox.errors import ApiError
from services.inbox.models import (LANGUAGES, OPEN_STATUSES, PRIORITIES, QUEUES, Agent, Handoff,
                                   Message, utcnow)
from services.inbox.validate import MAX_TEXT, choice

ROLE_TO_DIRECTION = {"customer": "customer", "user": "customer", "bot": "bot"}
# Two lines are the same line if direction and text match and the times are this close.
SAME_TIME = 0.001


def parse_ts(value: Any) -> Optional[float]:
    """Epoch seconds from Rasa's float timestamps or ISO strings; None if neither."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.timestamp()
    return None


def open_handoff_for(s: Session, sender_id: str) -> Optional[Handoff]:
    return (s.query(Handoff)
            .filter(Handoff.sender_id == sender_id, Handoff.status.in_(OPEN_STATUSES))
            .order_by(Handoff.id.desc()).first())


def get_handoff(s: Session, handoff_id: int) -> Handoff:
    handoff = s.get(Handoff, handoff_id)
    if handoff is None:
        raise ApiError(404, "handoff_not_found", f"No handoff {handoff_id}.")
    return handoff


def append_message(s: Session, handoff: Handoff, direction: str, text: str, ts: float,
                   source_event_id: Optional[int] = None,
                   author_id: Optional[int] = None) -> Optional[Message]:
    """Adds a transcript line unless the same line is already there; returns it or None."""
    same = (s.query(Message.id)
            .filter(Message.handoff_id == handoff.id, Message.direction == direction,
                    Message.text == text, Message.ts.between(ts - SAME_TIME, ts + SAME_TIME))
            .first())
    if same:
        return None
    message = Message(handoff_id=handoff.id, direction=direction, text=text, ts=ts,
                      source_event_id=source_event_id, author_id=author_id)
    s.add(message)
    s.flush()
    return message


def _transcript(raw: Any) -> List[Tuple[str, str, float]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ApiError(400, "invalid_field", "'transcript' must be a list.")
    lines, now = [], time.time()
    for item in raw:
        if not isinstance(item, dict) or item.get("role") not in ROLE_TO_DIRECTION:
            raise ApiError(400, "invalid_field",
                           "Each transcript line needs role customer|bot and text.")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            continue  # buttons-only or image messages carry no text worth showing
        ts = parse_ts(item.get("timestamp"))
        lines.append((ROLE_TO_DIRECTION[item["role"]], text[:MAX_TEXT], now if ts is None else ts))
    return lines


def _package(body: Dict[str, Any]) -> Dict[str, Any]:
    sender_id = body.get("sender_id")
    if not isinstance(sender_id, str) or not sender_id.strip() or len(sender_id) > 255:
        raise ApiError(400, "invalid_field", "'sender_id' must be a non-empty string.")
    context = body.get("context") or {}
    if not isinstance(context, dict):
        raise ApiError(400, "invalid_field", "'context' must be an object.")
    for name in ("reason", "summary", "input_channel"):
        if body.get(name) is not None and not isinstance(body.get(name), str):
            raise ApiError(400, "invalid_field", f"'{name}' must be a string.")
    return {
        "sender_id": sender_id,
        "input_channel": (body.get("input_channel") or "rest")[:64],
        "queue": choice(body.get("queue"), "queue", QUEUES, default="general"),
        "priority": choice(body.get("priority"), "priority", PRIORITIES, default="normal"),
        "status": choice(body.get("status"), "status", ("waiting", "ticket"), default="waiting"),
        "reason": (body.get("reason") or "")[:MAX_TEXT],
        "summary": (body.get("summary") or "")[:MAX_TEXT],
        "context": context,
        "language": choice(body.get("language") or context.get("language"), "language", LANGUAGES,
                           default="en"),
        "transcript": _transcript(body.get("transcript")),
    }


def _merge(handoff: Handoff, package: Dict[str, Any]) -> None:
    """A second handoff of the same open conversation refreshes the first."""
    handoff.reason = package["reason"] or handoff.reason
    handoff.summary = package["summary"] or handoff.summary
    handoff.context = {**(handoff.context or {}), **package["context"]}
    handoff.input_channel = package["input_channel"]
    handoff.queue = package["queue"]
    handoff.language = package["language"]
    if package["priority"] == "high":
        handoff.priority = "high"
    if handoff.status == "ticket" and package["status"] == "waiting":
        handoff.status = "waiting"


def create_or_merge(s: Session, body: Dict[str, Any]) -> Tuple[Handoff, bool]:
    package = _package(body)
    handoff = open_handoff_for(s, package["sender_id"])
    created = handoff is None
    if created:
        handoff = Handoff(**{k: package[k] for k in ("sender_id", "input_channel", "queue",
                                                     "priority", "status", "reason",
                                                     "summary", "context", "language")})
        s.add(handoff)
        s.flush()
    else:
        _merge(handoff, package)
    for direction, text, ts in package["transcript"]:
        append_message(s, handoff, direction, text, ts)
    approvals.request_from_package(s, handoff, body.get("approval"))
    stamps = [ts for _, _, ts in package["transcript"]]
    if stamps:
        handoff.transcript_until = max([handoff.transcript_until or 0.0, *stamps])
    return handoff, created


def expected_wait_minutes(s: Session, queue: str, recent: int = 20) -> Optional[int]:
    """Median time to claim of the queue's recent handoffs; None without history,
    so the bot says "a few minutes" rather than a made-up number."""
    rows = (s.query(Handoff.created_at, Handoff.claimed_at)
            .filter(Handoff.queue == queue, Handoff.claimed_at.isnot(None))
            .order_by(Handoff.claimed_at.desc()).limit(recent).all())
    if not rows:
        return None
    median = statistics.median((claimed - created).total_seconds() for created, claimed in rows)
    return max(1, math.ceil(median / 60))


def require_open(handoff: Handoff) -> None:
    if handoff.status not in OPEN_STATUSES:
        raise ApiError(409, "handoff_not_open", f"This handoff is {handoff.status}.")


def require_holder(handoff: Handoff, agent: CurrentAgent) -> None:
    """Only the agent holding a conversation speaks in it; a supervisor claims it first."""
    require_open(handoff)
    if handoff.claimed_by_id is None:
        raise ApiError(409, "not_claimed", "Claim this conversation first.")
    if handoff.claimed_by_id != agent.id:
        raise ApiError(409, "not_your_handoff",
                       f"{handoff.claimed_by.name} is handling this conversation.")


def speakers(s: Session, language: str) -> List[Agent]:
    """Active agents who answer customers in `language`."""
    return [a for a in s.query(Agent).filter(Agent.active.is_(True)).order_by(Agent.id).all()
            if language in a.language_list]


def spoken(s: Session) -> set:
    """Every language some active agent speaks (one query)."""
    return {code for (languages,) in s.query(Agent.languages).filter(Agent.active.is_(True))
            for code in languages.split(",") if code}


def require_language(s: Session, handoff: Handoff, agent: CurrentAgent) -> None:
    """A conversation in a language the agent does not speak is left to a
    colleague who does, while there is one; a supervisor can still assign it."""
    if handoff.language in agent.languages or handoff.claimed_by_id is not None:
        return
    others = [a.name for a in speakers(s, handoff.language) if a.id != agent.id]
    if others:
        raise ApiError(409, "language_mismatch",
                       f"The customer writes in {handoff.language}; {', '.join(others[:3])} "
                       f"speak{'s' if len(others) == 1 else ''} it. Claim with {{\"anyway\": true}} if you must.")


def next_for(s: Session, agent: CurrentAgent) -> Optional[Handoff]:
    """The unclaimed conversation `agent` should take next: one in a language they
    speak first (one nobody speaks is anyone's), live before tickets, then high
    priority, then whoever waited longest."""
    waiting = (s.query(Handoff).filter(Handoff.status.in_(("waiting", "ticket")),
                                       Handoff.claimed_by_id.is_(None)).all())
    team_speaks = spoken(s)  # once, not once per waiting conversation
    waiting = [h for h in waiting if h.language in agent.languages or h.language not in team_speaks]
    # live customers before tickets (answered by email)
    waiting.sort(key=lambda h: (h.language not in agent.languages, h.status != "waiting",
                                h.priority != "high", h.created_at))
    return waiting[0] if waiting else None


def claim(s: Session, handoff: Handoff, agent: CurrentAgent,
          assignee_email: Optional[str] = None, anyway: bool = False) -> None:
    """Agents claim free handoffs (in a language they speak, while a colleague
    speaks it); supervisors may (re)assign to anyone, themselves included."""
    require_open(handoff)
    if assignee_email is None and not anyway and not agent.is_supervisor:
        require_language(s, handoff, agent)
    if assignee_email is not None and not agent.is_supervisor:
        raise ApiError(403, "forbidden", "Only supervisors can assign to someone else.")
    if assignee_email is None:
        assignee = s.get(Agent, agent.id)
    else:
        assignee = s.query(Agent).filter(Agent.email == assignee_email.strip().lower()).one_or_none()
        if assignee is None:
            raise ApiError(404, "agent_not_found", f"No agent {assignee_email}.")
        if not assignee.active:
            raise ApiError(409, "agent_deactivated", f"{assignee.name} was deactivated.")
    if handoff.claimed_by_id not in (None, assignee.id) and not agent.is_supervisor:
        raise ApiError(409, "already_claimed",
                       f"{handoff.claimed_by.name} already claimed this conversation.")
    if handoff.claimed_by_id != assignee.id:
        handoff.claimed_by = assignee
        handoff.claimed_at = utcnow()
    handoff.status = "assigned"


def requeue_held(s: Session, agent: Agent, by: CurrentAgent) -> int:
    """Puts the conversations `agent` holds back in the waiting queue; returns how many."""
    held = (s.query(Handoff)
            .filter(Handoff.claimed_by_id == agent.id, Handoff.status == "assigned").all())
    for handoff in held:
        handoff.status, handoff.claimed_by, handoff.claimed_at = "waiting", None, None
        append_message(s, handoff, "note", f"Back in the queue: {agent.name} was deactivated.",
                       time.time(), author_id=by.id)
    return len(held)
