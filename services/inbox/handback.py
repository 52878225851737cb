"""Handing a paused conversation back to the bot without losing a customer message.

The inbox copies a paused conversation's messages from the event broker every
INBOX_POLL_SECONDS. A message written just before the agent releases or
closes would reach the inbox after the handoff ended (shown to no one) and,
said while paused, never be answered by the bot. So after resuming, the inbox
reads Rasa's tracker: customer messages of the pause that were not in the
transcript the agent had seen go into the transcript, and the bot answers the
last of them. Anything said after the resume is the bot's anyway.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

from services.inbox.db import Database
from services.inbox.handoffs import SAME_TIME, append_message, get_handoff, parse_ts
from services.inbox.models import Message
from services.inbox.rasa_client import RasaClient, RasaUnavailable

logger = logging.getLogger("inbox.handback")

Line = Tuple[str, float]  # (text, timestamp) of a customer message


def resume_events(slots: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Events that hand a paused conversation back to the bot.

    The paused tracker ends with action_handoff; an action_listen after the
    resume makes the next turn (the handback intent, or the customer's next
    message) look like any other, so the designers' rules apply to it.
    """
    return [{"event": "resume"}, {"event": "action", "name": "action_listen"}] + [
        {"event": "slot", "name": name, "value": value} for name, value in slots.items()]


def seen_lines(db: Database, handoff_id: int, seen_until: Optional[int]) -> List[Line]:
    """Customer lines the agent had on screen: up to `seen_until` (the page's last
    message id) and never past what the transcript held when the request came."""
    with db.session() as s:
        query = s.query(Message.text, Message.ts).filter(Message.handoff_id == handoff_id,
                                                         Message.direction == "customer")
        if seen_until is not None:
            query = query.filter(Message.id <= seen_until)
        return [(text, ts) for text, ts in query.all()]


def paused_user_events(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The customer's events between the last pause and the resume that ended it."""
    window: List[Dict[str, Any]] = []
    last: List[Dict[str, Any]] = []
    paused = False
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            paused, window = True, []
        elif kind == "resume" and paused:
            paused, last = False, window
        elif kind == "user" and paused and isinstance(event.get("text"), str):
            window.append(event)
    return last


def unseen(events: Iterable[Dict[str, Any]], seen: List[Line]) -> List[Dict[str, Any]]:
    def was_seen(event: Dict[str, Any]) -> bool:
        ts = parse_ts(event.get("timestamp")) or 0.0
        return any(text == event["text"] and abs(ts - at) <= SAME_TIME for text, at in seen)
    return [event for event in paused_user_events(events) if not was_seen(event)]


async def missed_messages(db: Database, rasa: RasaClient, handoff_id: int, sender_id: str,
                          seen: List[Line]) -> List[Dict[str, Any]]:
    """After the resume: the pause's customer messages the agent did not see, now in
    the transcript with a note. The caller records the outcome, then `answer_missed`."""
    try:
        missed = unseen(await rasa.tracker_events(sender_id), seen)
    except RasaUnavailable as exc:
        logger.error("handoff %s resumed but Rasa's tracker is unreadable, so messages sent "
                     "during the handback may be unanswered: %s", handoff_id, exc)
        return []
    if missed:
        _note(db, handoff_id, [(e["text"], parse_ts(e.get("timestamp")) or time.time())
                               for e in missed],
              f"{len(missed)} customer message(s) arrived as the conversation was handed "
              "back; the bot answers them.")
        logger.info("handoff %s: %s customer message(s) arrived during the handback",
                    handoff_id, len(missed))
    return missed


async def answer_missed(db: Database, rasa: RasaClient, handoff_id: int, sender_id: str,
                        missed: List[Dict[str, Any]]) -> None:
    """The bot answers the last missed message. Called once the handoff has ended,
    so a new request for a person opens a new handoff instead of joining this one."""
    if not missed:
        return
    parse = missed[-1].get("parse_data") or {}
    try:
        await rasa.trigger_intent(sender_id, (parse.get("intent") or {}).get("name")
                                  or "nlu_fallback", parse.get("entities") or [])
    except RasaUnavailable as exc:
        logger.error("handoff %s: the bot could not answer %s missed message(s): %s",
                     handoff_id, len(missed), exc)
        _note(db, handoff_id, [], "The bot could not be asked to answer them: reply to the "
              "customer.")


def _note(db: Database, handoff_id: int, lines: List[Line], note: str) -> None:
    with db.session() as s:
        handoff = get_handoff(s, handoff_id)
        for text, ts in lines:
            append_message(s, handoff, "customer", text, ts)
        append_message(s, handoff, "note", note, time.time())
