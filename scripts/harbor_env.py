"""Builds the environment every Harbor process runs with, and checks its secrets.

Precedence: real environment variables, then `.env` (optional, the operator's
own values), then `.env.example` (development defaults). A variable any of
them sets is never overridden by a later one.

HARBOR_ENV=production turns the development defaults of secrets off: every
entry point calls `prepare(<process>)`, which refuses to start while a secret
is unset, empty or still its `.env.example` value. In development it prints
one warning line instead.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ".env.example"
# Names that hold credentials; any such variable of .env.example is a secret.
SECRET_NAME = re.compile(r".+_(TOKEN|SECRET|PASSWORD|KEY)$")
# Secrets that are not in .env.example (production-only, docs/deploy.md).
EXTRA_SECRETS = ("TRACKER_DB_PASSWORD", "EVENT_BROKER_DB_PASSWORD", "RASA_JWT_SECRET")
# Documented as "empty if none" (a Redis without requirepass).
MAY_BE_EMPTY = {"REDIS_PASSWORD"}
# The secrets each process cannot start without; `run` starts them all.
NEEDS = {
    "crm": ("CRM_API_TOKEN", "BILLING_API_TOKEN", "INVOICE_LINK_SECRET"),
    "inbox": ("INBOX_SERVICE_TOKEN", "RASA_AUTH_TOKEN"),
    "actions": ("ACTION_SERVER_TOKEN", "CRM_API_TOKEN", "BILLING_API_TOKEN", "INBOX_SERVICE_TOKEN"),
    "rasa": ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"),
}
# Set by `make run` for its children, so development mode warns once, not five times.
WARNED = "HARBOR_DEV_WARNING_SHOWN"
DEV_WARNING = ("development mode: using development secrets from .env.example; "
               "set HARBOR_ENV=production (and real secrets) to refuse them, see docs/deploy.md")


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


def is_production(env: Mapping[str, str]) -> bool:
    return env.get("HARBOR_ENV", "").strip().lower() == "production"


def secret_names(root: Path = ROOT) -> List[str]:
    """Every secret Harbor knows of: .env.example's credential names plus the extras."""
    names = [k for k in parse_env_file(root / EXAMPLE) if SECRET_NAME.fullmatch(k)]
    return names + [k for k in EXTRA_SECRETS if k not in names]


def harbor_env(base: Optional[Mapping[str, str]] = None, root: Path = ROOT) -> Dict[str, str]:
    """Returns `base` (default: os.environ) completed from .env and .env.example.

    In production, .env.example's secrets are never filled in: they are
    development values, and a missing secret must be noticed, not defaulted."""
    env = dict(os.environ if base is None else base)
    secrets = set(secret_names(root)) if is_production(env) else set()
    env.update({k: v for k, v in parse_env_file(root / ".env").items() if k not in env})
    for key, value in parse_env_file(root / EXAMPLE).items():
        if key not in secrets:
            env.setdefault(key, value)
    return env


def weak_secrets(env: Mapping[str, str], needs: Iterable[str], root: Path = ROOT) -> List[str]:
    """Secrets that are unset (when needed), empty, or a development value.

    A secret is checked when the process needs it or when it is set at all:
    a process is not asked for other processes' secrets, but never runs with
    a development one."""
    example, known, needed = parse_env_file(root / EXAMPLE), secret_names(root), set(needs)
    weak = []
    for name in known + sorted(needed - set(known)):
        if name not in env:
            if name in needed:
                weak.append(name)
            continue
        value = env[name].strip()
        if (not value and name not in MAY_BE_EMPTY) or value.startswith("dev-") or \
                (value and value == example.get(name)):
            weak.append(name)
    return weak


def check(process: str, env: Mapping[str, str], root: Path = ROOT) -> None:
    """Refuses (SystemExit) in production with weak secrets; warns once in development."""
    needs = secret_names(root) if process == "run" else NEEDS.get(process, ())
    weak = weak_secrets(env, needs, root)
    if is_production(env) and weak:
        raise SystemExit(
            f"harbor {process}: refusing to start with HARBOR_ENV=production: these secrets are "
            f"unset, empty or still their development value from .env.example: {', '.join(weak)}. "
            "Set each one to a real secret in the environment (docs/deploy.md).")
    if not is_production(env) and weak and not env.get(WARNED):
        print(f"harbor {process}: {DEV_WARNING}", file=sys.stderr, flush=True)


def prepare(process: str) -> Dict[str, str]:
    """The first call of every entry point: completes os.environ, then checks it."""
    env = harbor_env()
    check(process, env)
    os.environ.update(env)
    return env


if __name__ == "__main__":
    # `eval "$(python scripts/harbor_env.py)"` exports the completed environment.
    import shlex

    for key, value in sorted(harbor_env().items()):
        if key.isidentifier():
            print(f"export {key}={shlex.quote(value)}")
