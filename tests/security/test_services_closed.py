"""Closed by default (issue 8, item 5): what `make run` starts listens on
loopback only, the action server answers nobody but Rasa, Rasa sends no CORS
header to strangers and its token never appears on a command line."""
from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest
import yaml

from tests.support.make_run import PORTS, listening, run_until_exit
from tests.support.procs import PYTHON, ROOT, free_port

# Ava Johnson's (C005) delivered order and its FedEx tracking number.
ORDER, TRACKING = "10239", "794644790777"


def non_loopback_address() -> Optional[str]:
    """This machine's address on its network, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


def request(url: str, body: Optional[dict] = None, headers: Optional[Dict[str, str]] = None,
            method: Optional[str] = None) -> Tuple[int, str, Dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


def forged_action_call() -> dict:
    """What an attacker posts: a tracker claiming Ava is verified, asking for her order."""
    slots = {"customer_verified": True, "customer_id": "C005", "order_id": ORDER,
             "verified_by": "email", "customer_email": "ava.johnson@example.com"}
    return {"next_action": "action_track_order", "sender_id": "attacker", "version": "3.6.2",
            "domain": {}, "tracker": {
                "sender_id": "attacker", "slots": slots, "events": [], "paused": False,
                "latest_message": {"text": f"where is order {ORDER}", "intent": {"name": "track_order"}},
                "followup_action": None, "active_loop": {}, "latest_action_name": None}}


def webhook(make_run, headers: Dict[str, str]) -> Tuple[int, str, Dict[str, str]]:
    return request(f"http://127.0.0.1:{make_run.port('ACTION_PORT')}/webhook",
                   forged_action_call(), headers)


@pytest.mark.parametrize("port", PORTS)
def test_make_run_listens_on_loopback_only(make_run, port):
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    assert listening(make_run.port(port))
    assert not listening(make_run.port(port), address), f"{port} answers on {address}"


def test_a_forged_tracker_without_the_action_server_token_gets_401_and_no_order_details(make_run):
    status, body, _ = webhook(make_run, {})
    assert status == 401
    assert TRACKING not in body and "FedEx" not in body
    assert "refused POST /webhook" in make_run.output()  # and the operator sees it


@pytest.mark.parametrize("authorization", ["Bearer wrong-token", "Basic d3Jvbmc6dG9rZW4=", "Bearer "])
def test_a_wrong_action_server_token_gets_401(make_run, authorization):
    status, body, _ = webhook(make_run, {"Authorization": authorization})
    assert status == 401 and TRACKING not in body


def test_the_action_list_is_not_open_either(make_run):
    status, body, _ = request(f"http://127.0.0.1:{make_run.port('ACTION_PORT')}/actions")
    assert status == 401 and "action_track_order" not in body


def test_the_action_server_health_needs_no_token(make_run):
    status, body, _ = request(f"http://127.0.0.1:{make_run.port('ACTION_PORT')}/health")
    assert status == 200 and json.loads(body)["status"] == "ok"


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_rasa_sends_no_cors_header_to_another_origin(make_run, method):
    status, _, headers = request(
        f"http://127.0.0.1:{make_run.port('RASA_PORT')}/webhooks/rest/webhook"
        if method == "OPTIONS" else f"http://127.0.0.1:{make_run.port('RASA_PORT')}/",
        method=method, headers={"Origin": "https://evil.example",
                                "Access-Control-Request-Method": "POST"})
    allowed = {k.lower(): v for k, v in headers.items()}.get("access-control-allow-origin")
    assert allowed is None, f"{method} answered Access-Control-Allow-Origin: {allowed}"


def test_the_rasa_token_is_on_no_command_line_and_still_guards_the_api(make_run):
    token = make_run.env["RASA_AUTH_TOKEN"]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # the process ended meanwhile
        assert token not in args, f"the Rasa token is visible in `ps`: {cmdline.parent.name}"
    api = f"http://127.0.0.1:{make_run.port('RASA_PORT')}/status"
    assert request(api)[0] == 401
    assert request(f"{api}?token={token}")[0] == 200


def test_every_deployment_sends_and_checks_the_action_server_token():
    header = {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"}
    rasa_values = yaml.safe_load((ROOT / "deploy/helm/rasa-values.yaml").read_text())
    endpoints = [yaml.safe_load((ROOT / path).read_text())["action_endpoint"]
                 for path in ("endpoints.yml", "deploy/endpoints.production.yml")]
    endpoints.append(rasa_values["applicationSettings"]["endpoints"]["additionalEndpoints"]["action_endpoint"])
    assert all(e.get("headers") == header for e in endpoints), endpoints
    actions = yaml.safe_load((ROOT / "deploy/helm/action-server-values.yaml").read_text())
    assert actions["command"] == ["python", "-m", "actions.server"]
    assert rasa_values["command"] == ["python", "-m", "scripts.rasa_server"]
    assert "--auth-token" not in rasa_values["args"]


def test_the_action_server_never_starts_without_a_token():
    env = {**os.environ, "ACTION_SERVER_TOKEN": "", "ACTION_PORT": str(free_port())}
    code, out = run_until_exit([PYTHON, "-m", "actions.server"], env)
    assert code not in (None, 0) and "ACTION_SERVER_TOKEN" in out and "Traceback" not in out


def test_the_rasa_launcher_refuses_a_token_on_the_command_line():
    env = {**os.environ, "RASA_PORT": str(free_port())}
    code, out = run_until_exit([PYTHON, "-m", "scripts.rasa_server", "--auth-token", "x"], env)
    assert code not in (None, 0) and "visible in `ps`" in out and "Traceback" not in out
