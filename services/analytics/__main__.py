"""`python -m services.analytics [--days 7] [--json]`: support numbers as a table.

Sources: Rasa's event-broker table (EVENT_BROKER_DB_URL, else the SQLite file
EVENT_BROKER_DB) and the inbox DB (INBOX_DB_URL), read from the environment
completed by .env and .env.example like every Harbor process.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Optional

from scripts.harbor_env import harbor_env
from services.analytics import DEFAULT_DAYS, DEFAULT_FALLBACK_THRESHOLD, MAX_DAYS, build_report
from services.analytics import sources


def pct(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def seconds(value: Optional[float]) -> str:
    if value is None:
        return "—"
    if value < 120:
        return f"{value:.0f}s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def ranked(items: List[Dict[str, Any]], key: str, limit: int = 5) -> str:
    shown = [f"{item[key]} {item['count']} ({pct(item['share'])})" for item in items[:limit]]
    if len(items) > limit:
        shown.append(f"+{len(items) - limit} more")
    return ", ".join(shown) or "—"


def csat_avg(report: Dict[str, Any], kind: str) -> str:
    avg = ((report.get("csat") or {}).get(kind) or {}).get("average")
    return "—" if avg is None else f"{avg:.2f}/5"


def csat_detail(report: Dict[str, Any], kind: str, split: str, key: str) -> str:
    csat = report.get("csat") or {}
    parts = [f"{row[key]} {row['average']:.1f} ({row['count']})" for row in csat.get(split, [])
             if row["average"] is not None]
    return f"{(csat.get(kind) or {}).get('count', 0)} ratings" + (f"; {', '.join(parts)}" if parts else "")


def render(report: Dict[str, Any]) -> str:
    w, conv, msg, h = report["window"], report["conversations"], report["messages"], report["handoffs"]
    nlu, sent, errors = report["nlu"], report["sentiment"], report["backend_errors"]
    know = report.get("knowledge") or {"answers": 0, "gaps": 0, "top_gaps": []}
    avg = sent["average_compound"]
    rows = [
        ("Conversations", str(conv["total"]), ""),
        ("Customer messages", str(msg["customer"]), f"bot {msg['bot']}, agents {msg['agent']}"),
        ("Containment", pct(conv["containment_rate"]),
         f"{conv['contained']} of {conv['total']} ended without a handoff"),
        ("Handoffs", str(h["conversations_handed_off"]),
         f"live {h['live']}, ticket {h['ticket']}, failed {h['failed']}"
         f"; {pct(h['share_of_conversations'])} of conversations"),
        ("  by reason", "", ranked(h["by_reason"], "reason")),
        ("  by queue", "", ranked(h["by_queue"], "queue") if h["source"] == "inbox" else "— (no inbox)"),
        ("  time to claim", seconds(h["median_seconds_to_claim"]),
         "median" + (f", {h['claimed']} of {h['total']} claimed" if h["claimed"] is not None else "")),
        ("NLU fallback", pct(nlu["fallback_rate"]),
         f"{nlu['fallback']} of {msg['customer']} (nlu_fallback or confidence < {nlu['threshold']:.2f})"),
        ("Top intents", "", ranked(nlu["intents"], "intent")),
        ("Sentiment", "—" if avg is None else f"{avg:+.2f}",
         f"average compound; frustrated {sent['frustrated']} ({pct(sent['frustrated_share'])})"),
        ("Flows", "", ", ".join(f"{f['flow']} {f['completed']}/{f['started']} completed"
                                for f in report["flows"]) or "—"),
        ("Backend errors", str(errors["total"]),
         ", ".join(f"{k} {v}" for k, v in errors["by_system"].items())),
        ("CSAT, bot", csat_avg(report, "bot"), csat_detail(report, "bot", "by_flow", "flow")),
        ("CSAT, people", csat_avg(report, "human"), csat_detail(report, "human", "by_queue", "queue")),
        ("First response", seconds((h.get("first_response") or {}).get("median_seconds")),
         f"median; {h.get('sla_breaches') or 0} first-response targets missed"),
        ("Knowledge", str(know["answers"]), f"answers quoting the policies; {know['gaps']} unanswered"),
        ("  top gaps", "", "; ".join(f"{g['question']!r} x{g['count']}" for g in know["top_gaps"][:5]) or "—"),
    ]
    lines = [f"Harbor analytics: last {w['days']} day(s), {w['from']} to {w['to']} (UTC)"]
    for name, src in report["sources"].items():
        if src != "ok":
            lines.append(f"  ! {name}: {src}")
    lines.append("")
    lines += [f"{name:<19}{value:>8}  {detail}".rstrip() for name, value, detail in rows]
    lines += ["", f"{'day':<12}{'conversations':>14}{'messages':>10}"]
    lines += [f"{d['date']:<12}{d['conversations']:>14}{d['customer_messages']:>10}"
              for d in report["per_day"]]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS,
                        help=f"last N UTC days, today included (1-{MAX_DAYS}; default 7)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--events-url", help="SQLAlchemy URL of Rasa's event-broker DB")
    parser.add_argument("--inbox-url", help="SQLAlchemy URL of the inbox DB")
    parser.add_argument("--threshold", type=float, default=DEFAULT_FALLBACK_THRESHOLD,
                        help="intent confidence below this counts as NLU fallback (default 0.6)")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= MAX_DAYS:
        parser.error(f"--days must be between 1 and {MAX_DAYS}")
    env = harbor_env()
    report = build_report(args.days, events_url=args.events_url or sources.events_url(env),
                          inbox_url=args.inbox_url or sources.inbox_url(env),
                          threshold=args.threshold)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
