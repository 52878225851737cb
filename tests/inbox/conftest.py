"""Real processes for the inbox tests: the inbox, a stand-in Rasa HTTP API and a
customer's callback endpoint (both recorders, see recorder.py)."""
from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from tests.support.inbox import start_inbox
from tests.support.procs import PYTHON, Server, free_port, server

RECORDER = Path(__file__).with_name("recorder.py")


def start_recorder(tmp: Path, name: str, env: Optional[Dict[str, str]] = None) -> Server:
    port = free_port()
    return server([PYTHON, str(RECORDER), str(port)], tmp / f"{name}.log", port=port,
                  env=env, health_path="/health").start()


def recorded(srv: Server) -> List[Dict[str, Any]]:
    with urllib.request.urlopen(srv.url + "/_recorded", timeout=5) as resp:
        return json.loads(resp.read())


def wait_for(check, timeout: float = 10.0, every: float = 0.1):
    """Polls `check()` until it returns something truthy (the inbox works in the background)."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(every)


@pytest.fixture(scope="module")
def fake_rasa(tmp_path_factory):
    srv = start_recorder(tmp_path_factory.mktemp("rasa"), "rasa")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def customer_callback(tmp_path_factory):
    srv = start_recorder(tmp_path_factory.mktemp("callback"), "callback")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, fake_rasa, customer_callback):
    tmp = tmp_path_factory.mktemp("inbox")
    srv = start_inbox(tmp, rasa_url=fake_rasa.url,
                      env={"CALLBACK_URL": customer_callback.url + "/bot"})
    yield srv
    srv.stop()
