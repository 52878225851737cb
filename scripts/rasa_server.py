"""`python -m scripts.rasa_server [rasa run arguments]`: Rasa with its secrets kept off the command line.

`rasa run --auth-token X` shows X to anyone who can run `ps`. This launcher
calls `rasa run`'s own entry point in-process with the token from
RASA_AUTH_TOKEN, the interface from RASA_HOST (loopback by default) and the
CORS origins from RASA_CORS_ORIGINS (comma-separated; empty: no CORS header),
with the HTTP API on. Other arguments (--model, --port, --endpoints...) pass through.
It also installs addons/runtime (per-turn cost fixes) into the process first.
"""
from __future__ import annotations

import os
import sys
from typing import List, Mapping, Optional

from scripts.harbor_env import prepare

# Secrets on the command line are what this launcher exists to avoid.
SECRET_FLAGS = ("--auth-token", "--jwt-secret", "--ssl-password")


def rasa_args(env: Mapping[str, str], passed: List[str]) -> List[str]:
    """`rasa run`'s arguments: ours from the environment, then the caller's."""
    args = ["run", "--enable-api", "--interface", env.get("RASA_HOST") or "127.0.0.1",
            "--auth-token", env["RASA_AUTH_TOKEN"]]
    origins = [o.strip() for o in env.get("RASA_CORS_ORIGINS", "").split(",") if o.strip()]
    if origins:
        args += ["--cors", *origins]
    return args + passed


def main(argv: Optional[List[str]] = None) -> None:
    prepare("rasa")
    passed = sys.argv[1:] if argv is None else argv
    named = sorted({a.split("=")[0] for a in passed if a.split("=")[0] in SECRET_FLAGS})
    if named:
        raise SystemExit(f"rasa: {', '.join(named)} on the command line is visible in `ps`; "
                         "set RASA_AUTH_TOKEN in the environment instead")
    if not os.environ.get("RASA_AUTH_TOKEN", "").strip():
        raise SystemExit("rasa: RASA_AUTH_TOKEN is empty; the HTTP API never runs without a token")
    from rasa.__main__ import main as rasa_main

    from addons.runtime import action_schema, decided_by_rules, rule_index, sqlite_tuning, tracker_save

    # HARBOR_RUNTIME_FIXES=none: Rasa as shipped, for bench/load's before/after runs.
    fixes = {"action_schema": action_schema.install, "sqlite_tuning": sqlite_tuning.install,
             "decided_by_rules": decided_by_rules.install, "rule_index": rule_index.install,
             "tracker_save": tracker_save.install}
    chosen = os.environ.get("HARBOR_RUNTIME_FIXES", "all").strip()
    for name in fixes if chosen == "all" else [n for n in chosen.split(",") if n in fixes]:
        fixes[name]()

    # rasa's entry point reads sys.argv; /proc/<pid>/cmdline (what `ps` shows) keeps ours.
    sys.argv = ["rasa", *rasa_args(os.environ, passed)]
    rasa_main()


if __name__ == "__main__":
    main()
