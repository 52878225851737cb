"""Trackers for action tests, as the action server receives them, built from
JSON fixtures (tests/actions/fixtures/): one builder, `says`."""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

FIXTURES = Path(__file__).resolve().parents[1] / "actions" / "fixtures"
# The channel whose connector proves each kind of identity (actions/shared/common.py).
VERIFIED_BY = {"phone": "whatsapp", "messenger_psid": "messenger"}
_KEEP = object()  # "as the fixture has it"

Json = Dict[str, Any]


def says(text: Optional[str] = None, intent: Optional[str] = None, *,
         fixture: str = "billing_new_conversation", as_recorded: bool = False,
         entities: Optional[List[Json]] = None, form: Any = _KEEP, requested: Any = _KEEP,
         slots: Optional[Json] = None, set_now: Optional[Json] = None,
         between: Optional[List[Json]] = None, metadata: Optional[Json] = None) -> Tracker:
    """The customer says `text` (`intent`, `entities`) while `form` asks for
    `requested`, with `slots` set before and `set_now` set by this message
    (the form validates those); `between`: events after the message, e.g. a
    policy answer before the form comes back; `metadata` as the channel sent it.

    By default the message is a new turn of the `fixture` conversation, under a
    sender id of its own. `as_recorded=True`: the fixture's last turn is the
    message; `text`/`intent`/`entities` only edit it (and `metadata` adds it)."""
    state = json.loads((FIXTURES / f"{fixture}.json").read_text())
    if form is _KEEP and not as_recorded:
        form = None
    if requested is _KEEP and not as_recorded:
        requested = None
    values = {**state.get("slots", {}), **(slots or {}),
              **({} if requested is _KEEP else {"requested_slot": requested}), **(set_now or {})}
    latest = _message(state, text, intent, entities, as_recorded)
    events: List[Json] = list(state.get("events", []))
    message = None
    if not as_recorded:
        message = _user_event(latest, metadata or {}, f"m-{uuid.uuid4().hex[:8]}", 3.0)
    elif metadata is not None:  # one id for every recorded message: the same request to a backend
        message = _user_event(latest, metadata, "m-meta", 2.0)
    if message:
        events.append(message)
    if not as_recorded:
        events += _form_turn(form, requested, set_now or {}, between or [])
    sender_id = state.get("sender_id", "test-user")
    if not as_recorded:
        sender_id = f"{sender_id}-{uuid.uuid4().hex[:6]}"
    identity = (metadata or {}).get("channel_identity") or {}
    if message and identity.get("type") in VERIFIED_BY:
        # As a signature-verified connector delivers it: that channel, and the
        # conversation id is the identity itself.
        message["input_channel"] = VERIFIED_BY[identity["type"]]
        sender_id = identity.get("value")
    active_loop = state.get("active_loop", {}) if form is _KEEP else ({"name": form} if form else {})
    return Tracker(sender_id=sender_id, slots=values, latest_message=latest, events=events,
                   paused=False, followup_action=None, active_loop=active_loop,
                   latest_action_name=state.get("latest_action_name") if as_recorded else form)


def _message(state: Json, text: Optional[str], intent: Optional[str],
             entities: Optional[List[Json]], as_recorded: bool) -> Json:
    """The latest message: the fixture's, edited (as recorded), or a new one."""
    latest = dict(state.get("latest_message") or {}) if as_recorded else {"entities": []}
    if text is not None or not as_recorded:
        latest["text"] = text
    if intent is not None or not as_recorded:
        latest["intent"] = {"name": intent, "confidence": 0.99}
    if entities is not None:
        latest["entities"] = entities
    return latest


def _user_event(latest: Json, metadata: Json, message_id: str, timestamp: float) -> Json:
    return {"event": "user", "text": latest.get("text", ""), "parse_data": latest,
            "metadata": metadata, "message_id": message_id, "timestamp": timestamp}


def _form_turn(form: Optional[str], requested: Optional[str], set_now: Json,
               between: List[Json]) -> List[Json]:
    """What Rasa runs after the message: slot extraction, then the form (or listening)."""
    return [
        {"event": "action", "name": "action_extract_slots", "timestamp": 3.1},
        *between,
        {"event": "slot", "name": "requested_slot", "value": requested, "timestamp": 3.2},
        {"event": "action", "name": form or "action_listen", "timestamp": 3.3},
        *({"event": "slot", "name": k, "value": v, "timestamp": 3.4} for k, v in set_now.items()),
    ]
