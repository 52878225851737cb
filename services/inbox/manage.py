"""`python -m services.inbox.manage EMAIL NAME [--role supervisor] [--team general]`

Creates an account from the command line: how a production inbox, which never
gets the demo accounts, gets its first supervisor. The password is read from
INBOX_NEW_AGENT_PASSWORD or asked for, never taken as an argument (shell
history, process lists).
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from services.inbox.config import DEFAULT_DB_URL
from services.inbox.db import Database
from services.inbox.models import QUEUES, ROLES
from services.inbox.seed import ensure_agent

MIN_PASSWORD = 8


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Create an inbox account.")
    parser.add_argument("email")
    parser.add_argument("name")
    parser.add_argument("--role", choices=ROLES, default="supervisor")
    parser.add_argument("--team", choices=QUEUES, default="general")
    args = parser.parse_args(argv)
    password = os.environ.get("INBOX_NEW_AGENT_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < MIN_PASSWORD:
        print(f"the password needs at least {MIN_PASSWORD} characters", file=sys.stderr)
        return 2
    db = Database(os.environ.get("INBOX_DB_URL", DEFAULT_DB_URL))
    if not ensure_agent(db, args.email, password, args.name, args.role, args.team):
        print(f"{args.email} already exists; nothing changed", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.email}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
