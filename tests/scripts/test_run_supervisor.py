"""`make run` (scripts/run.py): one terminal for every service; Ctrl-C stops
them all; when one dies the others are stopped and the reason is printed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from scripts.run import ROOT, Service, supervise
from tests.support.make_run import PORTS, MakeRun, listening, make_run_env
from tests.support.procs import free_port
from tests.support.dispatch import text_of
from tests.support.stack import say


def web_server(name: str, port: int) -> Service:
    return Service(name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                   f"http://127.0.0.1:{port}/")


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


def sigint_at_start(disposition):
    """preexec_fn: the child starts with this SIGINT handler, whatever ours is."""
    return lambda: signal.signal(signal.SIGINT, disposition)


# SIG_IGN is what a background job of a non-interactive shell (CI, `make run &`) gets.
@pytest.mark.parametrize("disposition", [signal.SIG_DFL, signal.SIG_IGN], ids=["default", "ignored"])
def test_ctrl_c_stops_every_service_even_when_started_with_sigint_ignored(disposition):
    ports = [free_port(), free_port()]
    driver = (
        "import os, sys; from scripts.run import supervise, Service\n"
        f"services = [Service(f's{{p}}', [sys.executable, '-m', 'http.server', str(p), '--bind', '127.0.0.1'],"
        f" f'http://127.0.0.1:{{p}}/') for p in {ports}]\n"
        "sys.exit(supervise(services, dict(os.environ), on_ready=lambda: print('READY', flush=True)))\n")
    proc = subprocess.Popen([sys.executable, "-c", driver], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            preexec_fn=sigint_at_start(disposition))
    try:
        deadline = time.time() + 30
        while not all(listening(p) for p in ports):
            assert time.time() < deadline, "services did not start"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
        assert not any(listening(p) for p in ports)
    finally:
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: the supervisor stops its services too
            proc.wait(20)


def test_make_run_starts_the_whole_assistant_and_answers_on_rest(tmp_path, trained_model):
    run = MakeRun(make_run_env(tmp_path, trained_model), tmp_path / "run.log")
    run.start()  # with SIGINT ignored: Ctrl-C below must still stop everything
    try:
        printed = run.output()
        assert f"localhost:{run.port('RASA_PORT')}/webhooks/rest/webhook" in printed
        assert f"http://localhost:{run.port('INBOX_PORT')}/" in printed

        class Rasa:  # what tests.support.stack.say() needs
            url = f"http://127.0.0.1:{run.port('RASA_PORT')}"
        assert "email" in text_of(say(Rasa, "make-run", "where is my order 10231?")).lower()
        assert "1Z999AA10123456784" in text_of(say(Rasa, "make-run", "maya.patel@example.com"))
    finally:
        code = run.stop()
    assert code == 0
    assert not any(listening(run.port(p)) for p in PORTS), run.output()[-2000:]
