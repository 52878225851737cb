"""The yardstick: Rasa's own `rasa init` bot, trained in a temporary folder
and served alone (no action server, in-memory tracker store), so the load
benchmark can print Harbor's ratio to it measured in the same run.

The trained model is cached per Rasa version (`rasa init`'s project and its
training only change with Rasa), in $XDG_CACHE_HOME/harbor-bench/."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Optional

from bench.load.stack import free_port

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "harbor-bench"


def rasa_version() -> str:
    from importlib.metadata import version

    return version("rasa")


def model() -> Path:
    """The cached vanilla model; trains it (a few minutes) on the first call."""
    cached = CACHE / f"vanilla-rasa-{rasa_version()}.tar.gz"
    if cached.exists():
        return cached
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vanilla-rasa-") as tmp:
        print(f"training the vanilla `rasa init` bot in {tmp} (cached in {cached})...", flush=True)
        subprocess.run([str(Path(sys.executable).with_name("rasa")), "init", "--no-prompt",
                        "--init-dir", tmp], cwd=tmp, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "TQDM_DISABLE": "1"})
        trained = max(Path(tmp, "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        shutil.copy(trained, cached.with_suffix(".part"))
        cached.with_suffix(".part").rename(cached)
    return cached


class Vanilla:
    """`rasa run` of the vanilla model on a free loopback port."""

    def __init__(self, model_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="vanilla-run-"))
        self.model_path = model_path
        self.proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 300) -> "Vanilla":
        log = open(self.tmp / "rasa.log", "wb")
        (self.tmp / "credentials.yml").write_text("rest:\n")  # rasa init's own channel
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("rasa")), "run", "--model", str(self.model_path),
             "--interface", "127.0.0.1", "--port", str(self.port),
             "--credentials", str(self.tmp / "credentials.yml")],
            cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "TQDM_DISABLE": "1", "LOG_LEVEL": "WARNING"})
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/webhooks/rest/", timeout=2):
                    return self
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError((self.tmp / "rasa.log").read_text(errors="replace")[-3000:])
                time.sleep(1)
        raise TimeoutError("the vanilla bot did not start")

    def pid(self) -> int:
        assert self.proc
        return self.proc.pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
