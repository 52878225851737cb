"""The store's "today". One place, so every date the service computes agrees."""
from __future__ import annotations

from datetime import date


def today() -> date:
    return date.today()
