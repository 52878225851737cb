"""Who answers which conversation, and how long the customer may wait.

A new handoff goes at once to an online agent of its team (an agent of the
"general" team serves every queue) who speaks the customer's language, the
one with the fewest open conversations below their capacity (then the one
idle longest); with nobody free it waits, and is assigned the moment someone
comes online or frees a place. Each priority has a first-response target
(INBOX_SLA_*_SECONDS); a live conversation without an agent's reply by then
is breached: raised to high priority, flagged, and listed for supervisors.
An agent going away hands back the conversations they have not answered yet.

Assignment runs under one lock per inbox process and locks the agents' rows
(SELECT ... FOR UPDATE on PostgreSQL), so two handoffs arriving together
never push an agent over capacity.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Dict, List, Optional, Tuple

from sqlalchemy import func
from sqlalchemy.orm import Session

from services.inbox.models import Agent, Handoff, utcnow

logger = logging.getLogger("inbox.routing")
GENERAL = "general"


def sla_seconds(config, priority: str) -> float:
    return config.sla_high_seconds if priority == "high" else config.sla_normal_seconds


def start_sla(handoff: Handoff, config) -> None:
    """A live handoff's deadline for a first reply (tickets are answered by
    email within a business day: no live target). A priority raised later
    only ever brings the deadline forward."""
    if handoff.status != "waiting" or handoff.first_response_at is not None:
        return
    due = (handoff.created_at or utcnow()) + dt.timedelta(seconds=sla_seconds(config, handoff.priority))
    handoff.sla_due_at = min(handoff.sla_due_at, due) if handoff.sla_due_at else due


def seconds_left(handoff: Handoff, now: dt.datetime) -> Optional[int]:
    if handoff.sla_due_at is None or handoff.first_response_at is not None or handoff.status not in (
            "waiting", "assigned"):
        return None
    return int((handoff.sla_due_at - now).total_seconds())


def check_breaches(s: Session, now: Optional[dt.datetime] = None) -> List[int]:
    """Marks the live conversations whose first reply is overdue; one UPDATE
    per conversation that only matches once, so two inbox processes agree."""
    now = now or utcnow()
    overdue = [h for (h,) in s.query(Handoff.id).filter(
        Handoff.status.in_(("waiting", "assigned")), Handoff.first_response_at.is_(None),
        Handoff.sla_breached_at.is_(None), Handoff.sla_due_at < now).all()]
    breached = []
    for handoff_id in overdue:
        changed = (s.query(Handoff).filter(Handoff.id == handoff_id, Handoff.sla_breached_at.is_(None))
                   .update({"sla_breached_at": now, "priority": "high"}, synchronize_session=False))
        if changed:
            breached.append(handoff_id)
    if breached:
        logger.warning("first-response target missed: handoffs %s (now high priority)", breached)
    return breached


def _open_counts(s: Session) -> Dict[int, int]:
    return dict(s.query(Handoff.claimed_by_id, func.count(Handoff.id))
                .filter(Handoff.status == "assigned", Handoff.claimed_by_id.isnot(None))
                .group_by(Handoff.claimed_by_id).all())


def _last_assigned(s: Session) -> Dict[int, dt.datetime]:
    return dict(s.query(Handoff.claimed_by_id, func.max(Handoff.claimed_at))
                .filter(Handoff.claimed_by_id.isnot(None)).group_by(Handoff.claimed_by_id).all())


def assign_waiting(s: Session, default_capacity: int) -> List[Tuple[int, int]]:
    """Assigns every waiting live conversation that has a free agent; returns
    (handoff id, agent id) pairs. High priority first, then longest wait."""
    agents = (s.query(Agent).filter(Agent.active.is_(True), Agent.status == "online")
              .order_by(Agent.id).with_for_update().all())
    if not agents:
        return []
    waiting = (s.query(Handoff).filter(Handoff.status == "waiting", Handoff.claimed_by_id.is_(None))
               .order_by((Handoff.priority == "high").desc(), Handoff.created_at, Handoff.id).all())
    counts, last = _open_counts(s), _last_assigned(s)
    never = dt.datetime.min
    done = []
    for handoff in waiting:
        free = [a for a in agents
                if a.team in (handoff.queue, GENERAL) and handoff.language in a.language_list
                and counts.get(a.id, 0) < (a.capacity if a.capacity is not None else default_capacity)]
        if not free:
            continue
        agent = min(free, key=lambda a: (a.team != handoff.queue, counts.get(a.id, 0),
                                         last.get(a.id) or never, a.id))
        handoff.claimed_by, handoff.claimed_at, handoff.status = agent, utcnow(), "assigned"
        counts[agent.id] = counts.get(agent.id, 0) + 1
        last[agent.id] = handoff.claimed_at
        done.append((handoff.id, agent.id))
    if done:
        logger.info("assigned %s", ", ".join(f"handoff {h} -> agent {a}" for h, a in done))
    return done


def hand_back_unanswered(s: Session, agent: Agent, why: str) -> int:
    """The conversations `agent` holds but has not answered go back to the
    queue (with a note), to be assigned to someone else."""
    from services.inbox.handoffs import append_message

    held = (s.query(Handoff).filter(Handoff.claimed_by_id == agent.id, Handoff.status == "assigned",
                                    Handoff.first_response_at.is_(None)).all())
    for handoff in held:
        handoff.status, handoff.claimed_by, handoff.claimed_at = "waiting", None, None
        append_message(s, handoff, "note", f"Back in the queue: {agent.name} {why}.", time.time())
    return len(held)


async def route(app) -> List[Tuple[int, int]]:
    """One routing pass (breaches, then assignment) under the process's lock."""
    async with app.ctx.routing_lock:
        with app.ctx.db.session() as s:
            breached = check_breaches(s)
            assigned = assign_waiting(s, app.ctx.config.agent_capacity)
    if breached or assigned:
        app.ctx.notifier.notify()
    return assigned
