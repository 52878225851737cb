"""Channel settings: credentials.yml first, then the environment, then a default.

Rasa expands `${VAR}` in credentials.yml; the agent inbox has no credentials
file, so every setting must also be readable from the environment alone.
"""
from __future__ import annotations

import os
from typing import Any, Mapping, Optional


def setting(credentials: Optional[Mapping[str, Any]], key: str, env_var: str,
            default: str = "") -> str:
    """An empty value counts as unset so `${VAR}` expanding to "" falls through."""
    value = (credentials or {}).get(key)
    if value not in (None, ""):
        return str(value)
    return os.environ.get(env_var) or default


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def state_db_url() -> str:
    return os.environ.get("CHANNEL_STATE_DB_URL") or "sqlite:///var/channel_state.db"
