"""`make run` (scripts/run.py) as a test runs it: every port free, every file
in a temporary folder, a given model (never trained here)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from tests.support.procs import ROOT, free_port

PORTS = ("RASA_PORT", "ACTION_PORT", "DEMO_PORT", "INBOX_PORT")


def make_run_env(tmp: Path, model: Path, **extra: str) -> Dict[str, str]:
    """os.environ plus free ports, state files in `tmp`, and `extra`."""
    ports = {name: str(free_port()) for name in PORTS}
    return {**os.environ, **ports, "HARBOR_MODEL": str(model),
            "ACTION_ENDPOINT_URL": f"http://localhost:{ports['ACTION_PORT']}/webhook",
            "CRM_API_URL": f"http://localhost:{ports['DEMO_PORT']}/crm/v1",
            "BILLING_API_URL": f"http://localhost:{ports['DEMO_PORT']}/billing/v1",
            "INBOX_URL": f"http://localhost:{ports['INBOX_PORT']}",
            "RASA_URL": f"http://localhost:{ports['RASA_PORT']}",
            "TRACKER_DB": str(tmp / "tracker.db"), "EVENT_BROKER_DB": str(tmp / "events.db"),
            "DEMO_DB_URL": f"sqlite:///{tmp / 'crm.db'}", "INBOX_DB_URL": f"sqlite:///{tmp / 'inbox.db'}",
            "CHANNEL_STATE_DB_URL": f"sqlite:///{tmp / 'channels.db'}", "PYTHONUNBUFFERED": "1",
            **extra}


def listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((host, port)) == 0


def ignore_sigint() -> None:
    """preexec_fn: start as a background job of a non-interactive shell does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@dataclass
class MakeRun:
    """A running `scripts/run.py`; its output goes to `log`."""

    env: Dict[str, str]
    log: Path
    proc: Optional[subprocess.Popen] = None

    def port(self, name: str) -> int:
        return int(self.env[name])

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def start(self, timeout: float = 300) -> "MakeRun":
        """Starts it with SIGINT ignored (the hard case) and waits for "Harbor is up"."""
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         preexec_fn=ignore_sigint)
        deadline = time.time() + timeout
        while "Harbor is up" not in self.output():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise AssertionError(self.output()[-3000:])
            time.sleep(1)
        return self

    def stop(self, wait: float = 60) -> Optional[int]:
        """Ctrl-C, as a person would: its exit code, or None if Ctrl-C did not
        stop it (then SIGTERM, which stops the services too, and SIGKILL)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            return None


def run_until_exit(cmd: List[str], env: Dict[str, str], timeout: float = 30) -> Tuple[Optional[int], str]:
    """(exit code, output); (None, output) if it was still running after `timeout`
    (then it is stopped with SIGTERM, which `make run` passes on to its services)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        return None, out
