"""Builds the environment every Harbor process runs with.

Precedence: real environment variables, then `.env` (optional, the operator's
own values), then `.env.example` (development defaults). A variable any of
them sets is never overridden by a later one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Mapping, Optional

ROOT = Path(__file__).resolve().parents[1]


def parse_env_file(path: Path) -> Dict[str, str]:
    """Reads KEY=VALUE lines; blank lines, comments and `export ` are allowed."""
    values: Dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def harbor_env(base: Optional[Mapping[str, str]] = None, root: Path = ROOT) -> Dict[str, str]:
    """Returns `base` (default: os.environ) completed from .env and .env.example."""
    env = dict(os.environ if base is None else base)
    for name in (".env", ".env.example"):
        for key, value in parse_env_file(root / name).items():
            env.setdefault(key, value)
    return env


if __name__ == "__main__":
    # `eval "$(python scripts/harbor_env.py)"` exports the completed environment.
    import shlex

    for key, value in sorted(harbor_env().items()):
        if key.isidentifier():
            print(f"export {key}={shlex.quote(value)}")
