"""The channel tests' helpers: signed webhook posts, polling, the secrets the
channels run with, and the harness (tests/support/channel_harness.py) that
mounts the real channels as `rasa run` does.

Signatures are computed independently of addons.channels.security: Meta's
with hmac here, Twilio's with the official twilio library's RequestValidator.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from twilio.request_validator import RequestValidator

from tests.support import payloads as p
from tests.support.procs import Server, free_port, server, wait_for


@dataclass
class Reply:
    status: int
    body: str
    headers: Dict[str, str]  # lower-case names
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def request(method: str, url: str, body: Optional[bytes] = None,
            headers: Optional[Dict[str, str]] = None, timeout: float = 10) -> Reply:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text, status, hdrs = resp.read().decode(), resp.status, resp.headers
    except urllib.error.HTTPError as e:
        text, status, hdrs = e.read().decode(), e.code, e.headers
    return Reply(status, text, {k.lower(): v for k, v in hdrs.items()},
                 time.monotonic() - start)


def meta_sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_meta(url: str, payload: Union[Dict[str, Any], bytes], secret: Optional[str],
              signature: Optional[str] = None) -> Reply:
    """Posts like Meta: JSON body, X-Hub-Signature-256 over the exact bytes."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif secret is not None:
        headers["X-Hub-Signature-256"] = meta_sign(body, secret)
    return request("POST", url, body, headers)


def post_twilio(url: str, form: Union[Dict[str, str], bytes], token: Optional[str],
                signed_url: Optional[str] = None) -> Reply:
    """Posts like Twilio: form body, X-Twilio-Signature over `signed_url` + params."""
    body = form if isinstance(form, bytes) else urllib.parse.urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token is not None and isinstance(form, dict):
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            signed_url or url, form)
    return request("POST", url, body, headers)




PUBLIC_TWILIO_URL = "https://bot.example.com/webhooks/twilio_whatsapp/webhook"
SECRETS = {
    "WHATSAPP_APP_SECRET": "test-wa-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "test-wa-verify",
    "WHATSAPP_ACCESS_TOKEN": "test-wa-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": p.PHONE_NUMBER_ID,
    "WHATSAPP_TEMPLATE_NAME": "",
    "WHATSAPP_TEMPLATE_LANG": "en_US",
    "TWILIO_ACCOUNT_SID": p.TWILIO_SID,
    "TWILIO_AUTH_TOKEN": "test-twilio-auth-token",
    "TWILIO_WHATSAPP_NUMBER": p.TWILIO_NUMBER,
    "TWILIO_WEBHOOK_URL": PUBLIC_TWILIO_URL,
    "MESSENGER_APP_SECRET": "test-fb-app-secret",
    "MESSENGER_VERIFY_TOKEN": "test-fb-verify",
    "MESSENGER_PAGE_ACCESS_TOKEN": "test-fb-page-token",
}


class FakeApi:
    """Client of tests/support/fake_meta_api.py."""

    def __init__(self, srv: Server) -> None:
        self.server = srv
        self.url = srv.url

    def calls(self, api: Optional[str] = None) -> List[Dict[str, Any]]:
        calls = json.loads(urllib.request.urlopen(self.url + "/_fake/requests").read())
        return [c for c in calls if api is None or c["api"] == api]

    def reset(self) -> None:
        request("POST", self.url + "/_fake/reset", b"")

    def fail(self, status: int, count: int, api: Optional[str] = None) -> None:
        request("POST", self.url + "/_fake/fail",
                json.dumps({"status": status, "count": count, "api": api}).encode(),
                {"Content-Type": "application/json"})


@dataclass
class Harness:
    server: Server
    log: Path
    env: Dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    def webhook(self, channel: str) -> str:
        return f"{self.url}/webhooks/{channel}/webhook"

    def events(self, event: str = "start", **match: Any) -> List[Dict[str, Any]]:
        if not self.log.exists():
            return []
        rows = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return [r for r in rows if r["event"] == event
                and all(r.get(k) == v for k, v in match.items())]

    def wait_event(self, event: str = "start", timeout: float = 10, **match: Any
                   ) -> Dict[str, Any]:
        return wait_for(lambda: self.events(event, **match), timeout,
                        f"{event} {match}")[-1]


def channel_env(fake_url: str, state_dir: Path, **overrides: str) -> Dict[str, str]:
    """Everything the channels read, pointing at the fake API and a private DB."""
    env = dict(SECRETS)
    env.update({
        "CHANNEL_STATE_DB_URL": f"sqlite:///{state_dir}/channel_state.db",
        "WHATSAPP_API_BASE": f"{fake_url}/v19.0",
        "MESSENGER_API_BASE": f"{fake_url}/v19.0",
        "TWILIO_API_BASE": fake_url,
        "CALLBACK_URL": f"{fake_url}/callback",
        "CHANNEL_RETRY_BASE_SECONDS": "0.05",
        "CHANNEL_SEND_ATTEMPTS": "3",
        "CHANNEL_CLAIM_LEASE_SECONDS": "120",
        "CHANNEL_RECOVERY_INTERVAL_SECONDS": "30",
        "FAKE_WHATSAPP_TOKEN": SECRETS["WHATSAPP_ACCESS_TOKEN"],
        "FAKE_MESSENGER_TOKEN": SECRETS["MESSENGER_PAGE_ACCESS_TOKEN"],
        "FAKE_TWILIO_SID": p.TWILIO_SID,
        "FAKE_TWILIO_TOKEN": SECRETS["TWILIO_AUTH_TOKEN"],
    })
    env.update(overrides)
    return env


def start_harness(env: Dict[str, str], work: Path, port: Optional[int] = None) -> Harness:
    log = work / "turns.jsonl"
    env = dict(env, HARNESS_LOG=str(log))
    port = port or free_port()
    srv = server([sys.executable, "-m", "tests.support.channel_harness", "--port", str(port)],
                 work / "harness.log", port=port, env=env,
                 health_path="/webhooks/whatsapp/")
    return Harness(srv.start(), log, env)


def logged(harness: "Harness", text: str) -> bool:
    """Whether the harness's log holds `text`."""
    return text in harness.server.log_path.read_text(errors="replace")


def send_whatsapp(harness: "Harness", payload: Dict[str, Any]) -> "Reply":
    """Posts a WhatsApp Cloud API webhook, signed with the app secret."""
    return post_meta(harness.webhook("whatsapp"), payload, SECRETS["WHATSAPP_APP_SECRET"])


def send_messenger(harness: "Harness", payload: Dict[str, Any]) -> "Reply":
    """Posts a Messenger webhook, signed with the app secret."""
    return post_meta(harness.webhook("messenger"), payload, SECRETS["MESSENGER_APP_SECRET"])


# The secrets the whole stack's channels run with in the end-to-end tests
# (tests/conftest.py starts Rasa with them; tests sign webhooks with them).
CHANNEL_SECRETS = {
    "WHATSAPP_APP_SECRET": "e2e-wa-secret", "WHATSAPP_VERIFY_TOKEN": "e2e-wa-verify",
    "WHATSAPP_ACCESS_TOKEN": "e2e-wa-token", "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
    "MESSENGER_APP_SECRET": "e2e-fb-secret", "MESSENGER_VERIFY_TOKEN": "e2e-fb-verify",
    "MESSENGER_PAGE_ACCESS_TOKEN": "e2e-fb-token",
    "TWILIO_ACCOUNT_SID": "ACtest0000000000000000000000000000", "TWILIO_AUTH_TOKEN": "e2e-twilio-token",
    "TWILIO_WHATSAPP_NUMBER": "+14155238886", "TWILIO_WEBHOOK_URL": "", "WHATSAPP_TEMPLATE_NAME": "",
}
