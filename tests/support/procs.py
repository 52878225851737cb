"""Start real local servers for tests: a subprocess on a free loopback port.

Tests talk to the same processes `make run` starts, over HTTP, so what they
check is what users get.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running subprocess serving HTTP on `port`; `stop()` ends it."""

    cmd: List[str]
    port: int
    env: Dict[str, str]
    log_path: Path
    health_path: str = "/"
    proc: Optional[subprocess.Popen] = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "Server":
        if self.proc and self.proc.poll() is None:
            return self  # already running: a second process would leak the first
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.cmd[:3]} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                urllib.request.urlopen(self.url + self.health_path, timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # it answers: up (the health path may need auth)
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.cmd[:3]} did not answer on {self.url} within {timeout}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def server(cmd: List[str], log_path: Path, port: Optional[int] = None,
           env: Optional[Dict[str, str]] = None, health_path: str = "/") -> Server:
    """Builds (not starts) a Server; `env` is added to a copy of os.environ."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    return Server(cmd=cmd, port=port or free_port(), env=full_env,
                  log_path=log_path, health_path=health_path)


def wait_for(check: Callable[[], Any], timeout: float = 10, what: str = "condition") -> Any:
    """Polls `check()` until it returns something truthy, and returns that;
    fails the test after `timeout` seconds (servers work in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
