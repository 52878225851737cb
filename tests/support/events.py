"""Reading the events an action returned."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List

Events = Iterable[Dict[str, Any]]


def slot_values(events: Events) -> Dict[str, Any]:
    """The slots the events set (the last value of each)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def kinds(events: Events) -> List[str]:
    """The type of every event, in order (e.g. ["slot", "followup"])."""
    return [e["event"] for e in events]


def followups(events: Events) -> List[str]:
    """The actions the events ask Rasa to run next."""
    return [e["name"] for e in events if e.get("event") == "followup"]
