"""`make run` (scripts/run.py): one terminal for every service; Ctrl-C stops
them all; when one dies the others are stopped and the reason is printed."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from scripts.run import ROOT, Service, supervise
from tests.support.procs import free_port
from tests.support.stack import say, texts


def web_server(name: str, port: int) -> Service:
    return Service(name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                   f"http://127.0.0.1:{port}/")


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_when_one_service_dies_the_others_are_stopped_and_the_reason_is_printed(capsys):
    port = free_port()
    web = web_server("web", port)
    dying = Service("dying", [sys.executable, "-c",
                              "import time, sys; time.sleep(2); print('cannot bind'); sys.exit(3)"],
                    f"http://127.0.0.1:{free_port()}/")
    assert supervise([web, dying], dict(os.environ)) == 1
    out = capsys.readouterr().out
    assert "*** dying stopped (exit code 3); stopping the others." in out
    assert "  dying | cannot bind" in out
    assert web.proc.poll() is not None and not listening(port)


def test_ctrl_c_stops_every_service():
    ports = [free_port(), free_port()]
    driver = (
        "import os, sys; from scripts.run import supervise, Service\n"
        f"services = [Service(f's{{p}}', [sys.executable, '-m', 'http.server', str(p), '--bind', '127.0.0.1'],"
        f" f'http://127.0.0.1:{{p}}/') for p in {ports}]\n"
        "sys.exit(supervise(services, dict(os.environ), on_ready=lambda: print('READY', flush=True)))\n")
    proc = subprocess.Popen([sys.executable, "-c", driver], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline  # started
    deadline = time.time() + 30
    while not all(listening(p) for p in ports):
        assert time.time() < deadline, "services did not start"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0
    assert not any(listening(p) for p in ports)


def test_make_run_starts_the_whole_assistant_and_answers_on_rest(tmp_path, trained_model):
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "DEMO_PORT", "INBOX_PORT")}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()},
           "HARBOR_MODEL": str(trained_model),
           "ACTION_ENDPOINT_URL": f"http://localhost:{ports['ACTION_PORT']}/webhook",
           "CRM_API_URL": f"http://localhost:{ports['DEMO_PORT']}/crm/v1",
           "BILLING_API_URL": f"http://localhost:{ports['DEMO_PORT']}/billing/v1",
           "INBOX_URL": f"http://localhost:{ports['INBOX_PORT']}",
           "RASA_URL": f"http://localhost:{ports['RASA_PORT']}",
           "TRACKER_DB": str(tmp_path / "tracker.db"), "EVENT_BROKER_DB": str(tmp_path / "events.db"),
           "DEMO_DB_URL": f"sqlite:///{tmp_path / 'crm.db'}", "INBOX_DB_URL": f"sqlite:///{tmp_path / 'inbox.db'}",
           "CHANNEL_STATE_DB_URL": f"sqlite:///{tmp_path / 'channels.db'}", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 300
        while "Harbor is up" not in log.read_text():
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.time() < deadline, log.read_text()[-3000:]
            time.sleep(1)
        printed = log.read_text()
        assert f"localhost:{ports['RASA_PORT']}/webhooks/rest/webhook" in printed
        assert f"http://localhost:{ports['INBOX_PORT']}/" in printed

        class Rasa:  # what tests.support.stack.say() needs
            url = f"http://127.0.0.1:{ports['RASA_PORT']}"
        assert "email" in texts(say(Rasa, "make-run", "where is my order 10231?")).lower()
        assert "1Z999AA10123456784" in texts(say(Rasa, "make-run", "maya.patel@example.com"))
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(60)
    assert code == 0
    assert not any(listening(p) for p in ports.values()), log.read_text()[-2000:]
