"""Starts the whole assistant (`scripts/run.py`, as `make run` does) on free
ports with its state in a temporary folder, for the load benchmark and the
profiler. Never trains: it takes a model path."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, Optional

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """`scripts/run.py` with a given model; `url` is Rasa's base URL."""

    def __init__(self, model: Path, **extra: str) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="harbor-load-"))
        ports = {name: str(free_port()) for name in ("RASA_PORT", "ACTION_PORT", "DEMO_PORT", "INBOX_PORT")}
        self.env: Dict[str, str] = {
            **os.environ, **ports, "HARBOR_MODEL": str(model), "PYTHONUNBUFFERED": "1",
            "ACTION_ENDPOINT_URL": f"http://localhost:{ports['ACTION_PORT']}/webhook",
            "CRM_API_URL": f"http://localhost:{ports['DEMO_PORT']}/crm/v1",
            "BILLING_API_URL": f"http://localhost:{ports['DEMO_PORT']}/billing/v1",
            "INBOX_URL": f"http://localhost:{ports['INBOX_PORT']}",
            "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",  # the inbox drives the bot here
            "TRACKER_DB": str(self.tmp / "tracker.db"), "EVENT_BROKER_DB": str(self.tmp / "events.db"),
            "DEMO_DB_URL": f"sqlite:///{self.tmp / 'crm.db'}",
            "INBOX_DB_URL": f"sqlite:///{self.tmp / 'inbox.db'}",
            "CHANNEL_STATE_DB_URL": f"sqlite:///{self.tmp / 'channels.db'}",
            "LOG_LEVEL": "WARNING", **extra}
        self.url = f"http://127.0.0.1:{ports['RASA_PORT']}"
        self.proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 300) -> "Stack":
        log = open(self.tmp / "run.log", "wb")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run.py")], cwd=ROOT,
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=2):
                    pass
                with urllib.request.urlopen(f"{self.url}/webhooks/rest/", timeout=2):
                    pass  # the channel is up once the model is loaded
                return self
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError((self.tmp / "run.log").read_text(errors="replace")[-3000:])
                time.sleep(1)
        raise TimeoutError("the assistant did not start")

    def rasa_pid(self) -> int:
        """The Rasa server process (a child of scripts/run.py)."""
        port = self.url.rsplit(":", 1)[1]
        for proc in Path("/proc").iterdir():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except (OSError, ValueError):
                continue
            if b"scripts.rasa_server" in args and port.encode() in args:
                return int(proc.name)
        raise LookupError("no Rasa process found")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class ScaledStack(Stack):
    """`scripts/run_scaled.py --replicas N` (`make run-scaled`): PostgreSQL, Redis,
    two action servers and N Rasa replicas behind HAProxy, whose port is `url`."""

    def __init__(self, model: Path, replicas: int, **extra: str) -> None:
        super().__init__(model, **extra)
        # As root, PostgreSQL runs as `postgres`, which must reach its folder.
        self.tmp.chmod(0o755)
        self.replicas = replicas
        self.env.update({
            "HARBOR_SCALED_DIR": str(self.tmp / "scaled"),
            "RASA_REPLICA_PORTS": ",".join(str(free_port()) for _ in range(replicas)),
            "ACTION_REPLICA_PORTS": f"{free_port()},{free_port()}",
            "SCALED_POSTGRES_PORT": str(free_port()), "SCALED_REDIS_PORT": str(free_port())})

    def start(self, timeout: float = 600) -> "ScaledStack":
        log_path = self.tmp / "run.log"
        log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run_scaled.py"), "--replicas", str(self.replicas)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if "Harbor (scaled) is up" in log_path.read_text(errors="replace"):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
            time.sleep(1)
        raise TimeoutError("the scaled setup did not start")

    def stop(self) -> None:
        super().stop()
        subprocess.run(["rm", "-rf", str(self.tmp)], check=False)
