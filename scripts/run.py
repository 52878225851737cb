"""`make run`: the whole assistant in one terminal.

Starts the demo CRM/billing service, the action server, the agent inbox and
Rasa; prefixes their output with their names; stops all of them on Ctrl-C, and
stops the rest (saying why) as soon as one of them dies.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.harbor_env import WARNED, check, harbor_env  # noqa: E402
from scripts.model import ensure_model  # noqa: E402

# Masks emails, phone and card numbers in every log line (docs/privacy.md).
LOGGING = "addons/privacy/logging.yml"


@dataclass
class Service:
    name: str
    cmd: List[str]
    health_url: str  # "": ready as soon as it runs
    proc: Optional[subprocess.Popen] = None  # set: started by the caller, supervised here
    stop_signal: int = signal.SIGTERM  # PostgreSQL: SIGINT, its fast shutdown
    # One of several replicas of this kind behind a balancer: losing it is not
    # fatal while another replica of the kind runs.
    replica_of: str = ""


def services(env: Dict[str, str], model: Path) -> List[Service]:
    rasa_port, action_port = env["RASA_PORT"], env["ACTION_PORT"]
    found = [
        Service("crm", [sys.executable, "-m", "services.crm"],
                f"http://127.0.0.1:{env['DEMO_PORT']}/health"),
        # Through its launcher: loopback, and 401 for callers without ACTION_SERVER_TOKEN.
        Service("actions", [sys.executable, "-m", "actions.server", "--actions", "actions",
                            "--port", action_port, "--logging-config-file", LOGGING],
                f"http://127.0.0.1:{action_port}/health"),
    ]
    if (ROOT / "services" / "inbox" / "__main__.py").exists():
        found.append(Service("inbox", [sys.executable, "-m", "services.inbox"],
                             f"http://127.0.0.1:{env.get('INBOX_PORT', '8080')}/health"))
    # The launcher reads the token, interface and CORS origins from the environment.
    found.append(Service("rasa", [
        sys.executable, "-m", "scripts.rasa_server", "--model", str(model), "--port", rasa_port,
        "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
        "--logging-config-file", LOGGING],
        f"http://127.0.0.1:{rasa_port}/"))
    return found


def pipe_output(service: Service) -> None:
    """Copies a child's output to ours, each line prefixed with its name."""
    assert service.proc and service.proc.stdout
    for line in service.proc.stdout:
        sys.stdout.write(f"{service.name:>7} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def is_up(url: str) -> bool:
    if not url:
        return True
    try:
        urllib.request.urlopen(url, timeout=1)
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def stop_all(running: List[Service]) -> None:
    for service in running:
        if service.proc and service.proc.poll() is None:
            os.killpg(service.proc.pid, service.stop_signal)
    deadline = time.time() + 10
    for service in running:
        if service.proc:
            try:
                service.proc.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(service.proc.pid, signal.SIGKILL)


def print_urls(env: Dict[str, str]) -> None:
    print(f"""
Harbor is up:
  chat (REST)     curl -s -XPOST localhost:{env['RASA_PORT']}/webhooks/rest/webhook \\
                    -d '{{"sender":"t1","message":"where is my order 10231?"}}'
  Rasa HTTP API   http://localhost:{env['RASA_PORT']}/status?token=$RASA_AUTH_TOKEN
  action server   http://localhost:{env['ACTION_PORT']}/health
  demo CRM/billing http://localhost:{env['DEMO_PORT']}/openapi.json
  agent inbox     http://localhost:{env.get('INBOX_PORT', '8080')}/  (demo login in .env.example)
Press Ctrl-C to stop everything.
""", flush=True)


def stop_on_signals(stopping: threading.Event) -> Dict[int, object]:
    """Ctrl-C and SIGTERM set `stopping`; returns the handlers they replaced.

    SIGINT explicitly: a background job of a non-interactive shell starts with
    SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: stopping.set())
    return previous


def supervise(services_to_run: List[Service], env: Dict[str, str],
              on_ready: Callable[[], None] = lambda: None) -> int:
    """Runs the services until Ctrl-C/SIGTERM (exit 0) or until one dies (exit 1).

    Whatever happens, every service that was started is stopped on the way out.
    """
    running: List[Service] = []
    stopping = threading.Event()
    previous = stop_on_signals(stopping)
    try:
        for service in services_to_run:
            if service.proc is None:
                service.proc = subprocess.Popen(
                    service.cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, start_new_session=True)
            running.append(service)
            threading.Thread(target=pipe_output, args=(service,), daemon=True).start()
        pending = list(running)
        lost: List[Service] = []
        while not stopping.is_set():
            for service in [s for s in running if s not in lost]:
                code = service.proc.poll()
                if code is not None and service.replica_of and any(
                        s.replica_of == service.replica_of and s not in lost and s is not service
                        for s in running):
                    lost.append(service)
                    pending = [s for s in pending if s is not service]
                    print(f"\n*** {service.name} stopped (exit code {code}); the balancer sends "
                          "its conversations to the other replicas.\n", flush=True)
                elif code is not None:
                    print(f"\n*** {service.name} stopped (exit code {code}); stopping the others.\n"
                          f"*** its last output is above, prefixed '{service.name:>7} |'.",
                          flush=True)
                    return 1
            for service in [s for s in pending if is_up(s.health_url)]:
                pending.remove(service)
                print(f"{service.name:>7} | ready", flush=True)
                if not pending:
                    on_ready()
            time.sleep(0.5)
        print("\nstopping...", flush=True)
        return 0
    finally:
        stop_all(running)
        for signum, handler in previous.items():
            if handler is not None:  # None: set outside Python, nothing to restore
                signal.signal(signum, handler)


def main() -> int:
    env = harbor_env()
    check("run", env)  # production: refuses development secrets, naming them
    os.environ.update(env)
    (ROOT / "var").mkdir(exist_ok=True)
    # HARBOR_MODEL runs a given model; otherwise the one for the current data.
    model = Path(env["HARBOR_MODEL"]) if env.get("HARBOR_MODEL") else ensure_model()
    children = {**env, WARNED: "1"}  # the warning above was the one line
    return supervise(services(children, model), children, on_ready=lambda: print_urls(env))


if __name__ == "__main__":
    sys.exit(main())
