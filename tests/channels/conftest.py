"""Fixtures: the fake provider API and the channel harness, as real local servers."""
from __future__ import annotations

import json
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from tests.channels import payloads as p
from tests.channels.helpers import request, wait_for
from tests.support.procs import Server, free_port, server

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
    srv = server([sys.executable, "-m", "tests.channels.harness", "--port", str(port)],
                 work / "harness.log", port=port, env=env,
                 health_path="/webhooks/whatsapp/")
    return Harness(srv.start(), log, env)


@pytest.fixture(scope="session")
def fake_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeApi]:
    work = tmp_path_factory.mktemp("fake_api")
    env = channel_env("http://unused", work)
    port = free_port()
    srv = server([sys.executable, "-m", "tests.support.fake_meta_api", "--port", str(port)],
                 work / "fake.log", port=port, env=env)
    srv.start()
    yield FakeApi(srv)
    srv.stop()


@pytest.fixture(scope="session")
def harness(fake_api: FakeApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    work = tmp_path_factory.mktemp("harness")
    h = start_harness(channel_env(fake_api.url, work), work)
    yield h
    h.server.stop()


@pytest.fixture
def api(fake_api: FakeApi) -> FakeApi:
    """The fake API with no calls recorded and no failures pending."""
    fake_api.reset()
    return fake_api


@pytest.fixture
def local_env(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    """This test process configured like the harness (same DB, same fake API), for
    in-process use of the registry and the output channels."""
    for key, value in harness.env.items():
        if key != "HARNESS_LOG":
            monkeypatch.setenv(key, value)
    return harness.env
