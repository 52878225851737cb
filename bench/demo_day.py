"""A demo day of traffic through the whole assistant, then the numbers the
supervisors see: what issue 12's note reports.

    .venv/bin/python bench/demo_day.py [--model models/<m>.tar.gz] [--customers 12]

Starts the stack as `make run` does (bench/load/stack.py, free ports, state in
a temp folder) with a callback-channel customer app (replies recorded here),
then plays: verified order tracking with thanks and a rating, policy
questions (some nobody answers: knowledge gaps), messages the NLU cannot
place (for the review page), customers asking for a person on the callback
channel (auto-assigned to online agents, answered, closed and rated; one
left waiting past its first-response target), and the $749 return of order
10239 that waits for a supervisor's approval. Prints GET /api/analytics.
Not run in CI.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load.stack import Stack, free_port  # noqa: E402

RECEIVED: List[Dict[str, Any]] = []
RATINGS = ["5", "4 stars, quick", "5/5 great", "3, had to repeat my email", "4", "2 - slow", "5 stars"]
QUESTIONS = ["how many days do i have to return stuff", "is return shipping free?", "do you ship to the uk",
             "how much is harbor plus", "do you price match amazon", "can i pick up in store",
             "what payment methods do you take", "how long does a refund take"]
UNPLACED = ["blorp the thing with the stuff", "ok so about yesterday", "can u do smth about it",
            "hmm not sure what to ask"]


class Recorder(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        RECEIVED.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def http(method: str, url: str, body: Any = None, token: Optional[str] = None) -> Any:
    request = urllib.request.Request(url, None if body is None else json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
        try:
            return json.loads(raw) if raw else None
        except ValueError:  # the callback channel answers "success"
            return raw.decode(errors="replace")


def say(stack: Stack, sender: str, text: str) -> str:
    replies = http("POST", f"{stack.url}/webhooks/rest/webhook", {"sender": sender, "message": text})
    return "\n".join(r.get("text") or "" for r in replies)


def callback_says(stack: Stack, sender: str, text: str) -> None:
    http("POST", f"{stack.url}/webhooks/callback/webhook", {"sender": sender, "message": text})


def received(sender: str, contains: str, timeout: float = 60) -> Dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for message in RECEIVED:
            if message.get("recipient_id") == sender and contains.lower() in (message.get("text") or "").lower():
                return message
        time.sleep(0.3)
    raise TimeoutError(f"{sender} never received {contains!r}")


def tap(stack: Stack, sender: str, title: str) -> None:
    for message in reversed(RECEIVED):
        for button in message.get("buttons") or []:
            if message.get("recipient_id") == sender and button["title"] == title:
                return callback_says(stack, sender, button["payload"])
    raise LookupError(f"no button {title!r} for {sender}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--customers", type=int, default=12)
    args = parser.parse_args()
    model = args.model or max((ROOT / "models").glob("harbor-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    rng = random.Random(7)
    port = free_port()
    recorder = ThreadingHTTPServer(("127.0.0.1", port), Recorder)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    stack = Stack(model, CALLBACK_URL=f"http://127.0.0.1:{port}/bot", SUPPORT_HOURS="always",
                  INBOX_SLA_NORMAL_SECONDS="40", INBOX_SLA_HIGH_SECONDS="40").start()
    inbox = f"http://127.0.0.1:{stack.env['INBOX_PORT']}"
    started = time.time()
    try:
        agent = http("POST", f"{inbox}/api/login", {"email": stack.env["INBOX_DEMO_EMAIL"],
                                                    "password": stack.env["INBOX_DEMO_PASSWORD"]})["token"]
        boss = http("POST", f"{inbox}/api/login", {"email": stack.env["INBOX_DEMO_SUPERVISOR_EMAIL"],
                                                   "password": stack.env["INBOX_DEMO_SUPERVISOR_PASSWORD"]})["token"]
        http("POST", f"{inbox}/api/me/status", {"status": "online"}, agent)
        http("POST", f"{inbox}/api/me/status", {"status": "online"}, boss)

        for n in range(args.customers):  # the bot resolves these
            sender = f"demo-track-{n}-{uuid.uuid4().hex[:4]}"
            say(stack, sender, "where is my order 10231?")
            say(stack, sender, "maya.patel@example.com")
            if "rate" in say(stack, sender, rng.choice(["thanks!", "thank you", "bye"])):
                say(stack, sender, rng.choice(RATINGS))
        for question in QUESTIONS:
            say(stack, f"demo-q-{uuid.uuid4().hex[:6]}", question)
        for text in UNPLACED:
            say(stack, f"demo-nlu-{uuid.uuid4().hex[:6]}", text)

        people = []
        for n in range(4):  # a person helps these (callback: replies are pushed)
            sender = f"demo-person-{n}-{uuid.uuid4().hex[:4]}"
            callback_says(stack, sender, "I want to talk to a human")
            received(sender, "won't need to repeat")
            people.append(sender)
        time.sleep(2)
        waiting = http("GET", f"{inbox}/api/handoffs?status=assigned,waiting", token=boss)["handoffs"]
        ours = {h["sender_id"]: h for h in waiting}
        for sender in people[:3]:
            handoff = ours[f"callback:{sender}"]
            holder = agent if (handoff.get("assigned_to") or {}).get("email") == stack.env["INBOX_DEMO_EMAIL"] else boss
            if not handoff.get("assigned_to"):
                http("POST", f"{inbox}/api/handoffs/{handoff['id']}/claim", {}, holder)
            http("POST", f"{inbox}/api/handoffs/{handoff['id']}/messages", {"text": "Hi, I can help with that."}, holder)
            http("POST", f"{inbox}/api/handoffs/{handoff['id']}/close", {"resolution": "resolved"}, holder)
            received(sender, "how would you rate")
            tap(stack, sender, rng.choice(["4", "5 Great", "5 Great"]))
        print("waiting for the last person customer to miss the 40 s first-response target...")
        time.sleep(45)

        sender = f"demo-desk-{uuid.uuid4().hex[:4]}"  # the $749 return: a supervisor approves
        for text, expect in [("I want to return the standing desk from order 10239", "email"),
                             ("ava.johnson@example.com", "why"), ("too big for my room", "damaged")]:
            callback_says(stack, sender, text)
            received(sender, expect)
        tap(stack, sender, "None of these")
        received(sender, "store credit")
        tap(stack, sender, "Store credit +10%")
        received(sender, "approved by a person")
        tap(stack, sender, "Yes, create it")
        received(sender, "won't need to repeat")
        approval = next(a for a in http("GET", f"{inbox}/api/approvals?status=pending", token=boss)["approvals"]
                        if a["sender_id"] == f"callback:{sender}")
        decided = http("POST", f"{inbox}/api/approvals/{approval['id']}/approve", {"note": "unused desk"}, boss)
        received(sender, "has been approved")

        review = http("GET", f"{inbox}/api/review/messages?kind=fallback", token=agent)["messages"]
        for message in review[:2]:
            http("POST", f"{inbox}/api/review/messages/{message['id']}/label", {"out_of_scope": True}, agent)

        report = http("GET", f"{inbox}/api/analytics?days=1", token=boss)
        c, h, s = report["conversations"], report["handoffs"], report["csat"]
        print(f"\nDemo day ({time.time() - started:.0f} s of traffic), GET /api/analytics?days=1:")
        print(f"  conversations {c['total']}, containment {c['containment_rate']}, handed off {c['handed_off']}")
        print(f"  handoffs: live {h['live']}, ticket {h['ticket']}; first response median "
              f"{(h.get('first_response') or {}).get('median_seconds')} s; SLA breaches {h.get('sla_breaches')}")
        print(f"  CSAT bot {s['bot']['average']} ({s['bot']['count']} ratings, {s['bot']['distribution']}); "
              f"people {s['human']['average']} ({s['human']['count']}, {s['human']['distribution']})")
        print(f"  CSAT by flow {[(f['flow'], f['average'], f['count']) for f in s['by_flow']]}, "
              f"by queue {[(q['queue'], q['average'], q['count']) for q in s['by_queue']]}")
        print(f"  NLU fallback rate {report['nlu']['fallback_rate']}; knowledge gaps "
              f"{[(g['question'], g['count']) for g in report['knowledge']['top_gaps'][:5]]}")
        print(f"  approval {decided['id']}: {decided['status']}, billing refund {decided['billing']['status']}, "
              f"customer told {decided['customer_notified']}")
        print(f"  review: {len(review)} fallback messages listed, 2 labelled out of scope")
        return 0
    finally:
        stack.stop()
        recorder.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
