"""The demo CRM/billing service for tests: start it, and talk JSON to it.

Other suites (actions, end-to-end) reuse `start_demo_crm`; keep its signature.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

from tests.support.procs import PYTHON, Server, free_port, server

CRM_TOKEN = "dev-crm-token"
BILLING_TOKEN = "dev-billing-token"
ADMIN_TOKEN = "dev-crm-admin-token"  # /admin/outbox
LINK_SECRET = "dev-invoice-link-secret"  # signs invoice PDF links


def start_demo_crm(tmp_path: Path, *, reset: bool = False,
                   env: Optional[Dict[str, str]] = None) -> Server:
    """`python -m services.crm` on a free port with a fresh SQLite DB in tmp_path.

    The caller stops it (`.stop()`). CRM API: `server.url + "/crm/v1"`, billing:
    `server.url + "/billing/v1"`, with CRM_TOKEN / BILLING_TOKEN. The database
    outlives the process: start again on the same tmp_path to find it as it
    was, or with `reset=True` to reload the demo data.
    """
    port = free_port()
    env = {"DEMO_HOST": "127.0.0.1", "DEMO_PORT": str(port),
           "DEMO_DB_URL": f"sqlite:///{Path(tmp_path) / 'demo_crm.db'}",
           "CRM_API_TOKEN": CRM_TOKEN, "BILLING_API_TOKEN": BILLING_TOKEN,
           "CRM_ADMIN_TOKEN": ADMIN_TOKEN, "INVOICE_LINK_SECRET": LINK_SECRET, **(env or {})}
    cmd = [PYTHON, "-m", "services.crm"] + (["--reset"] if reset else [])
    return server(cmd, Path(tmp_path) / "demo_crm.log", port=port,
                  env=env, health_path="/health").start()


@dataclass
class Reply:
    status: int
    body: Any
    headers: Dict[str, str] = field(default_factory=dict)
    raw: bytes = b""

    @property
    def error_code(self) -> Optional[str]:
        return self.body.get("error", {}).get("code") if isinstance(self.body, dict) else None


@dataclass
class JsonClient:
    """Minimal HTTP client: no retries, no magic, every status comes back as a Reply."""

    base_url: str
    token: Optional[str] = None

    def request(self, method: str, path: str, body: Any = None, *, params: Optional[Dict] = None,
                key: Optional[str] = None, token: Optional[str] = "default",
                data: Optional[bytes] = None) -> Reply:
        url = self.base_url + path + (f"?{urllib.parse.urlencode(params)}" if params else "")
        headers = {"Content-Type": "application/json"}
        token = self.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["Idempotency-Key"] = key
        if data is None and body is not None:
            data = json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return _reply(resp.status, resp.read(), resp.headers)
        except urllib.error.HTTPError as err:
            return _reply(err.code, err.read(), err.headers)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, {} if body is None else body, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> Reply:
        return self.request("PATCH", path, body, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> Reply:
        return self.request("PUT", path, body, **kw)


def _reply(status: int, raw: bytes, headers) -> Reply:
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return Reply(status, body, {k.lower(): v for k, v in headers.items()}, raw)


def clients(srv: Server) -> Dict[str, JsonClient]:
    """crm, billing and admin clients with the right tokens, plus an anonymous root client."""
    return {"crm": JsonClient(srv.url + "/crm/v1", CRM_TOKEN),
            "billing": JsonClient(srv.url + "/billing/v1", BILLING_TOKEN),
            "admin": JsonClient(srv.url + "/admin", ADMIN_TOKEN),
            "root": JsonClient(srv.url)}


SEED_CUSTOMERS = ("C001", "C002", "C003", "C004", "C005")
SEED_ORDERS = tuple(str(n) for n in range(10231, 10241))


def unlock_verification(srv: Server) -> None:
    """Ends every verification lockout of the seed data: failed attempts are
    counted by the service across conversations, so one test's wrong emails
    must not lock the next test out."""
    crm = clients(srv)["crm"]
    for customer_id in SEED_CUSTOMERS:
        crm.post("/verification/unlock", {"customer_id": customer_id})
    for order_id in SEED_ORDERS:
        crm.post("/verification/unlock", {"order_id": order_id})


def latest_code(srv: Server, email: str) -> str:
    """The one-time code the demo service last 'emailed' to `email` (its outbox)."""
    import re

    messages = clients(srv)["admin"].get("/outbox", params={"to": email}).body["messages"]
    codes = [m for m in messages if m.get("kind") == "verification_code"]
    assert codes, f"no verification code was sent to {email}"
    return re.search(r"\b(\d{6})\b", codes[-1]["body"]).group(1)
