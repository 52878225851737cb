"""Trackers for action tests, built from JSON fixtures (tests/actions/fixtures/)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

FIXTURES = Path(__file__).resolve().parents[1] / "actions" / "fixtures"
# The channel whose connector proves each kind of identity (actions/common.py).
VERIFIED_BY = {"phone": "whatsapp", "messenger_psid": "messenger"}


def load_tracker(name: str, slots: Optional[Dict[str, Any]] = None,
                 text: Optional[str] = None, intent: Optional[str] = None,
                 metadata: Optional[Dict[str, Any]] = None) -> Tracker:
    """The fixture `name`.json, with slots, latest text/intent or metadata changed."""
    state = json.loads((FIXTURES / f"{name}.json").read_text())
    state["slots"] = {**state.get("slots", {}), **(slots or {})}
    latest = dict(state.get("latest_message") or {})
    if text is not None:
        latest["text"] = text
    if intent is not None:
        latest["intent"] = {"name": intent, "confidence": 0.99}
    state["latest_message"] = latest
    events: List[Dict[str, Any]] = list(state.get("events", []))
    sender_id = state.get("sender_id", "test-user")
    if metadata is not None:
        event = {"event": "user", "text": latest.get("text", ""), "metadata": metadata,
                 "parse_data": latest, "message_id": "m-meta", "timestamp": 2.0}
        identity = metadata.get("channel_identity") or {}
        if identity.get("type") in VERIFIED_BY:
            # As a signature-verified connector delivers it: that channel, and
            # the conversation id is the identity itself.
            event["input_channel"] = VERIFIED_BY[identity["type"]]
            sender_id = identity.get("value")
        events.append(event)
    return Tracker(
        sender_id=sender_id, slots=state["slots"],
        latest_message=latest, events=events, paused=False, followup_action=None,
        active_loop=state.get("active_loop", {}), latest_action_name=state.get("latest_action_name"),
    )
