"""Start the agent inbox for tests and talk to its JSON API (stdlib only)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from tests.support.procs import PYTHON, Server, free_port, server

SERVICE_TOKEN = "test-inbox-service-token"
AGENT = ("agent@harbor.example", "harbor-demo")
SUPERVISOR = ("supervisor@harbor.example", "harbor-super")


def start_inbox(tmp_path: Path, rasa_url: str = "http://127.0.0.1:9", event_db_url: Optional[str] = None,
                env: Optional[Dict[str, str]] = None, db_path: Optional[Path] = None,
                log_name: str = "inbox.log", unset: Iterable[str] = ()) -> Server:
    """Starts `python -m services.inbox` on a free port with its DB in tmp_path.

    Reusing `db_path` across calls restarts the same inbox (cursor and all);
    `unset` removes variables (also inherited ones) from its environment.
    """
    full_env = {
        "INBOX_HOST": "127.0.0.1",
        "INBOX_DB_URL": f"sqlite:///{db_path or tmp_path / 'inbox.db'}",
        "EVENT_BROKER_DB_URL": event_db_url or f"sqlite:///{tmp_path / 'events.db'}",
        "INBOX_SERVICE_TOKEN": SERVICE_TOKEN,
        "INBOX_DEMO_EMAIL": AGENT[0], "INBOX_DEMO_PASSWORD": AGENT[1],
        "INBOX_DEMO_SUPERVISOR_EMAIL": SUPERVISOR[0],
        "INBOX_DEMO_SUPERVISOR_PASSWORD": SUPERVISOR[1],
        "RASA_URL": rasa_url, "RASA_AUTH_TOKEN": "test-rasa-token",
        "INBOX_POLL_SECONDS": "0.2",
        "CHANNEL_STATE_DB_URL": f"sqlite:///{tmp_path / 'channel_state.db'}",
    }
    full_env.update(env or {})
    inbox = server([PYTHON, "-m", "services.inbox"], tmp_path / log_name, env=full_env,
                   health_path="/health")
    inbox.env["INBOX_PORT"] = str(inbox.port)
    for name in unset:
        inbox.env.pop(name, None)
    return inbox.start()


def exchange(method: str, url: str, data: Optional[bytes], headers: Dict[str, str],
             timeout: float = 30) -> Tuple[int, Any, Any]:
    """One raw HTTP call: (status, response headers, parsed JSON or None); never
    raises on 4xx/5xx."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            status, answer, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, answer, raw = err.code, err.headers, err.read()
    return status, answer, json.loads(raw) if raw else None


def call(method: str, url: str, body: Any = None, token: Optional[str] = None,
         timeout: float = 30, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
    """One JSON call; returns (status, parsed JSON or None) and never raises on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    status, _, answer = exchange(method, url, data, sent, timeout)
    return status, answer


def login(inbox: Server, who: Tuple[str, str] = AGENT) -> str:
    status, body = call("POST", inbox.url + "/api/login", {"email": who[0], "password": who[1]})
    assert status == 200, body
    return body["token"]


def hand_off(inbox: Server, package: Dict[str, Any]) -> Tuple[int, Any]:
    """What the bot does: POST the context package with the service token."""
    return call("POST", inbox.url + "/api/internal/handoffs", package, token=SERVICE_TOKEN)


def standing_desk_package(sender_id: str = "+14155550101", input_channel: str = "callback",
                          now: float = 1_780_000_000.0) -> Dict[str, Any]:
    """A realistic handoff: a refund over $500 that needs a person's approval."""
    return {
        "sender_id": sender_id, "input_channel": input_channel, "queue": "returns",
        "priority": "high", "status": "waiting",
        "reason": "refund_needs_approval",
        "summary": "Return of order 10239, Standing Desk, $749: refund over $500 needs approval.",
        "transcript": [
            {"role": "customer", "text": "I want to return my standing desk, order 10239",
             "timestamp": now - 60},
            {"role": "bot", "text": "The Standing Desk ($749.00) from order 10239 can be "
             "returned until 2026-12-05. Refund to your Visa?", "timestamp": now - 58},
            {"role": "customer", "text": "yes please", "timestamp": now - 30},
            {"role": "bot", "text": "Refunds over $500 need a colleague's approval. "
             "I'm handing you over; someone will reply here shortly.", "timestamp": now - 29},
        ],
        "context": {  # the shape actions/handoff_context.py builds
            "customer": {"id": "C1007", "name": "Maya Lindqvist", "email": "maya@example.com",
                         "phone": "+14155550101"},
            "order": {"id": "10239", "customer_id": "C1007", "status": "delivered",
                      "total": "749.00", "delivered_at": "2026-11-05",
                      "items": [{"sku": "DESK-STAND-01", "name": "Standing Desk",
                                 "qty": 1, "price": "749.00", "final_sale": False}],
                      "return_window_ends": "2026-12-05"},
            "slots": {"customer_id": "C1007", "customer_verified": True,
                      "verified_by": "channel_identity", "order_id": "10239"},
            "intents": [
                {"text": "I want to return my standing desk, order 10239", "intent": "return_item",
                 "confidence": 0.97, "entities": [{"entity": "order_id", "value": "10239"}],
                 "sentiment": 0.1, "frustrated": False},
                {"text": "yes please", "intent": "affirm", "confidence": 0.99, "entities": [],
                 "sentiment": -0.2, "frustrated": False}],
            "sentiment_trend": [0.1, -0.2],
            "actions_tried": ["action_verify_customer", "action_check_return_eligibility",
                              "action_quote_return", "action_create_return"],
            "backend_errors": [{"system": "billing",
                                "error": "refund of 749.00 is over 500.00: pending_approval"}],
            "main_request": "return_item",
        },
    }


RECORDER = Path(__file__).with_name("recorder.py")  # a stand-in that records what it is sent


def start_recorder(tmp: Path, name: str, env: Optional[Dict[str, str]] = None) -> Server:
    port = free_port()
    return server([PYTHON, str(RECORDER), str(port)], tmp / f"{name}.log", port=port,
                  env=env, health_path="/health").start()


def recorded(srv: Server) -> List[Dict[str, Any]]:
    with urllib.request.urlopen(srv.url + "/_recorded", timeout=5) as resp:
        return json.loads(resp.read())


# -- a paused conversation's events, as Rasa's SQL event broker publishes them --

SENDER = "+14155550199"


def publish(broker, event, sender=SENDER):
    """What Rasa's tracker store does for every new event of a conversation."""
    broker.publish({"sender_id": sender, **event.as_dict()})


def handoff_with_history(inbox, now):
    _, created = hand_off(inbox, {
        "sender_id": SENDER, "input_channel": "callback", "summary": "Where is order 10231?",
        "transcript": [{"role": "customer", "text": "where is my order", "timestamp": now - 20},
                       {"role": "bot", "text": "Connecting you to a colleague.",
                        "timestamp": now - 19}]})
    return created["id"]


def transcript(inbox, token, handoff_id):
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
    return [(m["direction"], m["text"]) for m in detail["messages"]]
