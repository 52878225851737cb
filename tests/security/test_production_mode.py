"""Production mode (issue 8, item 6): with HARBOR_ENV=production every Harbor
process refuses to start while a secret is unset, empty or still its
.env.example value, and names each one; development mode says so, once."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List

import pytest

from scripts.harbor_env import parse_env_file
from tests.support.make_run import run_until_exit
from tests.support.procs import PYTHON, ROOT, free_port, server

EXAMPLE = parse_env_file(ROOT / ".env.example")
SECRETS = [name for name in EXAMPLE if re.fullmatch(r".+_(TOKEN|SECRET|PASSWORD|KEY)", name)]
# What each process cannot start without (`run` starts them all: every secret).
NEEDS = {"crm": ("CRM_API_TOKEN", "BILLING_API_TOKEN"),
         "inbox": ("INBOX_SERVICE_TOKEN", "RASA_AUTH_TOKEN"),
         "actions": ("ACTION_SERVER_TOKEN", "CRM_API_TOKEN", "BILLING_API_TOKEN", "INBOX_SERVICE_TOKEN"),
         "rasa": ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"), "run": tuple(SECRETS)}
DEV_WARNING = "development mode: using development secrets from .env.example"
REFUSAL = "refusing to start with HARBOR_ENV=production"


def entry_points(model: Path) -> Dict[str, List[str]]:
    return {"crm": [PYTHON, "-m", "services.crm"], "inbox": [PYTHON, "-m", "services.inbox"],
            "actions": [PYTHON, "-m", "actions.server"],
            "rasa": [PYTHON, "-m", "scripts.rasa_server", "--model", str(model)],
            "run": [PYTHON, "scripts/run.py"]}


def isolated_env(tmp: Path, model: Path, **values: str) -> Dict[str, str]:
    """os.environ without any secret, on free ports with state in `tmp`, plus `values`."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    ports = {name: str(free_port()) for name in ("RASA_PORT", "ACTION_PORT", "DEMO_PORT", "INBOX_PORT")}
    return {**env, **ports, "HARBOR_MODEL": str(model), "PYTHONUNBUFFERED": "1",
            "DEMO_DB_URL": f"sqlite:///{tmp / 'crm.db'}", "INBOX_DB_URL": f"sqlite:///{tmp / 'inbox.db'}",
            "TRACKER_DB": str(tmp / "tracker.db"), "EVENT_BROKER_DB": str(tmp / "events.db"),
            "CHANNEL_STATE_DB_URL": f"sqlite:///{tmp / 'channels.db'}", **values}


def real_secrets() -> Dict[str, str]:
    return {name: f"real-{name.lower()}-4f1c9a" for name in SECRETS}


@pytest.mark.parametrize("process", ["crm", "inbox", "actions", "rasa", "run"])
def test_every_entry_point_refuses_development_secrets_in_production_and_names_them(
        process, tmp_path, trained_model):
    development = {name: EXAMPLE[name] for name in SECRETS}
    env = isolated_env(tmp_path, trained_model, HARBOR_ENV="production", **development)
    code, out = run_until_exit(entry_points(trained_model)[process], env)
    assert code not in (None, 0), f"{process} started with development secrets:\n{out[-2000:]}"
    assert REFUSAL in out
    for name in NEEDS[process]:
        assert name in out, f"{process} does not name {name}:\n{out[-2000:]}"
    assert "Traceback" not in out


@pytest.mark.parametrize("process", ["crm", "actions", "rasa"])
def test_an_unset_or_empty_secret_is_refused_in_production_and_named(process, tmp_path, trained_model):
    empty, unset = NEEDS[process][:2]
    real = {k: v for k, v in real_secrets().items() if k not in (empty, unset)}
    env = isolated_env(tmp_path, trained_model, HARBOR_ENV="production", **real, **{empty: ""})
    code, out = run_until_exit(entry_points(trained_model)[process], env)
    assert code not in (None, 0), out[-2000:]
    assert REFUSAL in out and empty in out and unset in out
    assert not any(name in out for name in real), "a secret with a real value was reported"


def test_production_with_real_secrets_starts_without_a_warning(tmp_path, trained_model):
    env = isolated_env(tmp_path, trained_model, HARBOR_ENV="production", **real_secrets())
    srv = server([PYTHON, "-m", "services.crm"], tmp_path / "crm.log", port=int(env["DEMO_PORT"]),
                 env=env, health_path="/health")
    srv.env = env  # exactly these variables, no secret inherited
    srv.start()
    try:
        assert DEV_WARNING not in srv.tail()
    finally:
        srv.stop()


def test_a_service_started_on_its_own_in_development_warns_in_one_line(tmp_path, trained_model):
    env = isolated_env(tmp_path, trained_model)
    srv = server([PYTHON, "-m", "services.crm"], tmp_path / "crm.log", port=int(env["DEMO_PORT"]),
                 env=env, health_path="/health")
    srv.env = env
    srv.start()
    try:
        warnings = [line for line in srv.tail(200).splitlines() if DEV_WARNING in line]
        assert len(warnings) == 1, srv.tail()
    finally:
        srv.stop()


def test_make_run_in_development_warns_once_not_once_per_service(make_run):
    warnings = [line for line in make_run.output().splitlines() if DEV_WARNING in line]
    assert len(warnings) == 1, warnings
    assert "HARBOR_ENV=production" in warnings[0]
