"""addons/privacy/logging.yml in real Rasa processes: the action server started
with `rasa run actions --logging-config-file`, and Rasa's own start-up sequence
(logging file, then coloredlogs and structlog, as rasa/__main__.py does)."""
from __future__ import annotations

import json
import subprocess
import textwrap
import urllib.request
from pathlib import Path

import pytest

from tests.support.procs import PYTHON, ROOT, server

LOGGING_YML = "addons/privacy/logging.yml"
RASA = str(Path(PYTHON).parent / "rasa")


def test_logging_yml_is_a_valid_dict_config():
    """Rasa swallows an invalid logging file silently, so check it the strict way."""
    script = textwrap.dedent(f"""
        import logging, logging.config, yaml
        logging.config.dictConfig(yaml.safe_load(open({LOGGING_YML!r})))
        from addons.privacy import logging_setup
        assert logging_setup.is_installed()
        print("ok")
    """)
    done = subprocess.run([PYTHON, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_rasa_startup_sequence_with_the_logging_file_masks_stdlib_and_structlog_logs():
    # What rasa/__main__.py does before serving, in that order; the working
    # directory is deliberately not on sys.path (as with the `rasa` script).
    script = textwrap.dedent(f"""
        import logging, sys
        sys.path = [p for p in sys.path if p not in ("", ".")]
        from rasa.utils.common import configure_logging_and_warnings
        configure_logging_and_warnings(None, {LOGGING_YML!r})
        import rasa.utils.io
        rasa.utils.io.configure_colored_logging(None)
        from rasa.utils.log_utils import configure_structlog
        configure_structlog(None)
        import structlog
        logging.getLogger("rasa.core.processor").info(
            "Received user message 'my email is maya@example.com' from %s", "+14155550101")
        structlog.get_logger().info("processor.extract.slots", slot_values="card 4111 1111 1111 1111")
    """)
    done = subprocess.run([PYTHON, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "INFO"})
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "my email is [email]' from [phone]" in out
    assert "card [card]" in out
    assert "maya@example.com" not in out and "4111 1111 1111 1111" not in out


@pytest.fixture
def action_server(tmp_path):
    env = {"PYTHONPATH": "", "LOG_REDACTION": "1"}
    srv = server([RASA, "run", "actions", "--actions", "tests.privacy.pii_actions",
                  "--logging-config-file", LOGGING_YML], tmp_path / "actions.log",
                 env=env, health_path="/health")
    srv.cmd += ["--port", str(srv.port)]
    srv.start(timeout=60)
    yield srv
    srv.stop()


def test_action_server_started_with_the_logging_file_masks_what_actions_log(action_server):
    body = {"next_action": "action_log_customer", "sender_id": "+14155550101",
            "tracker": {"sender_id": "+14155550101", "latest_message": {}, "events": [],
                        "slots": {"customer_email": "maya@example.com", "card": "4111 1111 1111 1111"},
                        "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": None}, "domain": {}}
    request = urllib.request.Request(action_server.url + "/webhook", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert json.loads(resp.read())["responses"][0]["text"] == "done"
    action_server.stop()  # flush and close the log
    log = action_server.log_path.read_text()
    assert "verifying [email] for sender [phone]" in log
    assert "RuntimeError: billing rejected card [card]" in log
    assert "maya@example.com" not in log and "4111 1111 1111 1111" not in log
