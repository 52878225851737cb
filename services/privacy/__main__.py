"""Right to erasure and retention for Harbor's conversation data.

  python -m services.privacy erase --sender +14155550101 [--yes]
  python -m services.privacy erase --email maya@example.com [--yes]
  python -m services.privacy erase --customer-id C1007 [--yes]
  python -m services.privacy purge --older-than-days 90 [--yes]

Dry run by default: prints what would be deleted. `--yes` deletes. Places:
Rasa's SQL tracker store (TRACKER_DB_URL, else the SQLite file TRACKER_DB),
the event broker (EVENT_BROKER_DB_URL, else EVENT_BROKER_DB), the inbox
(INBOX_DB_URL) and the channel state (CHANNEL_STATE_DB_URL), from the
environment completed by .env and .env.example. The CRM's own customer record
is not touched: that is the CRM's deletion request (docs/privacy.md).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict
from typing import List, Optional

from addons.privacy.redact import mask_email
from scripts.harbor_env import harbor_env
from services.privacy.stores import Erased, Found, Places, Row, Stores

SHOWN_SENDERS = 20
EMAIL_ADDRESS = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")


def _table(rows: List[Row]) -> List[str]:
    lines = []
    for row in rows:
        detail = row.note or str(row.count)
        lines.append(f"  {row.place:<15}{row.table:<18}{detail:>8}" if not row.note
                     else f"  {row.place:<15}{detail}")
    return lines


def _conversation(sender: str, found: Found, erased: Erased) -> List[str]:
    """Two lines: why the conversation was picked, and its rows per place/table."""
    why = "; ".join(sorted(found.found_by.get(sender, ()))) or "named"
    rows = ", ".join(f"{where} {n}" for where, n in erased.conversations.get(sender, {}).items() if n)
    return [f"  {sender}  found by: {why}", f"    rows: {rows or 'none'}"]


def report(title: str, found: Found, erased: Erased, deleted: bool, as_json: bool) -> str:
    rows = erased.rows
    if as_json:
        conversations = {s: {"found_by": sorted(found.found_by.get(s, ())),
                             "rows": erased.conversations.get(s, {})} for s in sorted(found.senders)}
        return json.dumps({"deleted": deleted, "senders": sorted(found.senders),
                           "customer_ids": sorted(found.customer_ids), "skipped": found.skipped,
                           "conversations": conversations, "rows": [asdict(r) for r in rows],
                           "total": sum(r.count for r in rows)}, indent=2)
    senders = sorted(found.senders)
    lines = [title, f"Conversations (senders): {len(senders)}"]
    for sender in senders[:SHOWN_SENDERS]:
        lines += _conversation(sender, found, erased)
    if len(senders) > SHOWN_SENDERS:
        lines.append(f"  … and {len(senders) - SHOWN_SENDERS} more (--json lists them all)")
    if found.customer_ids:
        lines.append(f"Customer ids matched: {', '.join(sorted(found.customer_ids))}")
    for sender, why in sorted(found.skipped.items()):
        lines.append(f"Kept {sender}: {why}")
    lines.append("Deleted:" if deleted else "Would delete (dry run, nothing changed; add --yes to delete):")
    lines += _table(rows)
    lines.append(f"Total rows {'deleted' if deleted else 'to delete'}: {sum(r.count for r in rows)}")
    return "\n".join(lines)


def email_address(value: str) -> str:
    """argparse type: a whole address, since erasure matches exactly this text
    everywhere (a bare "maya" would match every maya@… there is)."""
    value = value.strip()
    if not EMAIL_ADDRESS.fullmatch(value):
        raise argparse.ArgumentTypeError(f"not an email address: {value!r}")
    return value


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.privacy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    erase = sub.add_parser("erase", help="delete one customer's conversations everywhere")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--sender", action="append", help="Rasa sender id (repeatable)")
    who.add_argument("--email", type=email_address, help="customer email: every conversation that holds it (any slot, "
                                     "message, inbox transcript, channel row; any case), and every "
                                     "conversation of the customer ids found in those")
    who.add_argument("--customer-id", help="CRM customer id (customer_id slot)")
    purge = sub.add_parser("purge", help="delete conversations whose last event is older than N days")
    purge.add_argument("--older-than-days", type=float, required=True)
    for p in (erase, purge):
        p.add_argument("--yes", action="store_true", help="really delete (default: dry run)")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        for name in ("tracker", "broker", "inbox", "channel"):
            p.add_argument(f"--{name}-url", help=f"SQLAlchemy URL of the {name} DB (default: from env)")
    args = parser.parse_args(argv)

    defaults = Places.from_env(harbor_env())
    places = Places(tracker_url=args.tracker_url or defaults.tracker_url,
                    broker_url=args.broker_url or defaults.broker_url,
                    inbox_url=args.inbox_url or defaults.inbox_url,
                    channel_url=args.channel_url or defaults.channel_url)
    stores = Stores(places)
    try:
        if args.command == "erase":
            if args.sender:
                found = Found(senders={s for s in args.sender if s})
                title = f"Erase conversations of sender(s) {', '.join(sorted(found.senders))}"
            else:
                found = stores.find_customer(email=args.email, customer_id=args.customer_id)
                title = (f"Erase conversations of {mask_email(args.email)}" if args.email
                         else f"Erase conversations of customer {args.customer_id}")
            erased = stores.run(found.senders, delete=args.yes)
        else:
            if args.older_than_days <= 0:
                parser.error("--older-than-days must be positive")
            cutoff = time.time() - args.older_than_days * 86400
            found = stores.find_stale(cutoff)
            title = (f"Purge conversations with no event in the last {args.older_than_days:g} days "
                     f"(before {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(cutoff))}); "
                     f"channel state rows older than that")
            erased = stores.run(found.senders, delete=args.yes, channel_cutoff=cutoff)
    finally:
        stores.close()
    print(report(title, found, erased, args.yes, args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
