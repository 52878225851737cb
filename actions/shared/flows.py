"""When a flow counts as completed, written once: the satisfaction question
(actions/csat.py) and the analytics (services/analytics/metrics.py) both
replay a conversation's events through FlowReplay.

A flow starts when `active_loop` names a form; it is completed when
`active_loop` becomes null right after the form's own action set
`requested_slot` to null. A "stop" (action_deactivate_loop) or a switch to
another form is not a completion.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Dict, Iterable, Optional


class FlowReplay:
    def __init__(self) -> None:
        self.started: Counter = Counter()
        self.completed: Counter = Counter()
        self.active: Optional[str] = None
        self.last_completed: Optional[str] = None
        self.last_action: Optional[str] = None
        self.requested_cleared = False

    def see(self, event: Dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "action":
            self.last_action, self.requested_cleared = event.get("name"), False
        elif kind == "slot" and event.get("name") == "requested_slot" and event.get("value") is None:
            self.requested_cleared = True
        elif kind == "active_loop":
            name = event.get("name")
            if name:
                if name != self.active:
                    self.started[name] += 1
                self.active = name
            else:
                if self.active and self.last_action == self.active and self.requested_cleared:
                    self.completed[self.active] += 1
                    self.last_completed = self.active
                self.active = None


def last_completed_flow(events: Iterable[Dict[str, Any]]) -> Optional[str]:
    replay = FlowReplay()
    for event in events:
        replay.see(event)
    return replay.last_completed
