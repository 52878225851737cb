"""When human agents are available.

SUPPORT_HOURS is either `always` (demos, tests, 24/7 teams) or a list like
`mon-fri 08:00-20:00; sat 09:00-17:00` in SUPPORT_TIMEZONE. The default is the
store's hours from knowledge/harbor_policies.md, Eastern Time.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

DEFAULT_HOURS = "mon-fri 08:00-20:00; sat 09:00-17:00"
DEFAULT_TIMEZONE = "America/New_York"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Window = Tuple[int, dt.time, dt.time]  # weekday, opens, closes


def parse_hours(spec: str) -> Optional[List[Window]]:
    """None means always open."""
    if spec.strip().lower() == "always":
        return None
    windows: List[Window] = []
    for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
        match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})", part)
        if not match or match.group(1) not in DAYS or (match.group(2) or "mon") not in DAYS:
            raise ValueError(f"SUPPORT_HOURS: cannot read {part!r} (e.g. 'mon-fri 08:00-20:00')")
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        opens, closes = (dt.time.fromisoformat(match.group(i).zfill(5)) for i in (3, 4))
        windows += [(day, opens, closes) for day in range(first, last + 1)]
    return windows


def agents_available(now: Optional[dt.datetime] = None) -> bool:
    windows = parse_hours(os.environ.get("SUPPORT_HOURS") or DEFAULT_HOURS)
    if windows is None:
        return True
    zone = ZoneInfo(os.environ.get("SUPPORT_TIMEZONE") or DEFAULT_TIMEZONE)
    local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone)
    return any(day == local.weekday() and opens <= local.time() < closes
               for day, opens, closes in windows)
