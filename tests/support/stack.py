"""The assistant's own processes for end-to-end tests: action server and Rasa."""
from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from tests.support.procs import PYTHON, ROOT, Server, server

RASA_TOKEN = "test-rasa-token"
# The secret Rasa sends to the action server (endpoints.yml); without it: 401.
ACTION_TOKEN = "test-action-server-token"
LOGGING = str(ROOT / "addons" / "privacy" / "logging.yml")  # as `make run`: redacted logs


def action_server(tmp: Path, crm: Server, env: Optional[Dict[str, str]] = None) -> Server:
    """The action server as `make run` starts it (actions/server.py: loopback,
    ACTION_TOKEN required), its backend clients pointing at the given demo service."""
    port_env = {
        "CRM_API_URL": f"{crm.url}/crm/v1", "BILLING_API_URL": f"{crm.url}/billing/v1",
        "CRM_API_TOKEN": "dev-crm-token", "BILLING_API_TOKEN": "dev-billing-token",
        "BACKEND_TIMEOUT_SECONDS": "2", "ACTION_SERVER_TOKEN": ACTION_TOKEN, **(env or {}),
    }
    srv = server([], tmp / "actions.log", env=port_env, health_path="/health")
    srv.cmd = [PYTHON, "-m", "actions.server", "--actions", "actions", "--port", str(srv.port),
               "--logging-config-file", LOGGING]
    return srv


def rasa_server(tmp: Path, model: Path, actions: Server, env: Optional[Dict[str, str]] = None,
                port: Optional[int] = None) -> Server:
    """Rasa as `make run` starts it (scripts/rasa_server.py: token from the
    environment) with the project's credentials and endpoints, state in `tmp`."""
    rasa_env = {
        "ACTION_ENDPOINT_URL": f"{actions.url}/webhook", "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "TRACKER_DB": str(tmp / "tracker.db"), "EVENT_BROKER_DB": str(tmp / "events.db"),
        "CHANNEL_STATE_DB_URL": f"sqlite:///{tmp / 'channel_state.db'}",
        "RASA_AUTH_TOKEN": RASA_TOKEN, **(env or {}),
    }
    import os

    from scripts.harbor_env import harbor_env  # credentials.yml needs every channel variable

    srv = server([], tmp / "rasa.log", port=port, env=harbor_env({**os.environ, **rasa_env}),
                 health_path="/")
    srv.cmd = [PYTHON, "-m", "scripts.rasa_server", "--model", str(model), "--port", str(srv.port),
               "--credentials", str(ROOT / "credentials.yml"),
               "--endpoints", str(ROOT / "endpoints.yml"), "--logging-config-file", LOGGING]
    if os.environ.get("HARBOR_RASA_DEBUG"):
        srv.cmd.append("--debug")  # full decision log in the test's rasa.log
    return srv


def post_json(url: str, body: Any, timeout: float = 30) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def say(rasa: Server, sender: str, text: str) -> List[Dict[str, Any]]:
    """One customer message through the REST channel; returns the bot's replies."""
    return post_json(f"{rasa.url}/webhooks/rest/webhook", {"sender": sender, "message": text})


def new_sender(prefix: str) -> str:
    """A conversation of the test's own: nothing left over from other tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
