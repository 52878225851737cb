"""Messaging windows: when a business may still send free-form messages.

WhatsApp and Messenger allow free-form messages for 24 hours after the
customer's last message. After that WhatsApp needs an approved template, and
Messenger allows a human agent (HUMAN_AGENT tag) up to 7 days.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Dict, Optional

STANDARD_WINDOW_SECONDS = 24 * 3600
HUMAN_AGENT_WINDOW_SECONDS = 7 * 24 * 3600


def iso(ts: Optional[float]) -> Optional[str]:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


def is_open(last_inbound: Optional[float], length: float = STANDARD_WINDOW_SECONDS,
            now: Optional[float] = None) -> bool:
    """Unknown last message counts as closed: there is no proof the window is open."""
    now = time.time() if now is None else now
    return last_inbound is not None and now < last_inbound + length


def status(last_inbound: Optional[float], fallback_when_closed: Optional[str]
           ) -> Dict[str, Any]:
    """The dict the agent inbox reads: {"open", "closes_at", "fallback"}."""
    open_ = is_open(last_inbound)
    closes = last_inbound + STANDARD_WINDOW_SECONDS if last_inbound is not None else None
    return {"open": open_, "closes_at": iso(closes),
            "fallback": None if open_ else fallback_when_closed}


def message_time(raw: Any, now: Optional[float] = None) -> float:
    """Provider timestamp (seconds or ms) capped at now; `now` when absent/bad."""
    now = time.time() if now is None else now
    try:
        ts = float(raw)
    except (TypeError, ValueError):
        return now
    if ts > 1e11:  # Messenger sends milliseconds
        ts /= 1000.0
    return min(ts, now) if ts > 0 else now
