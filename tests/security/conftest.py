"""One `make run` for the security suite, started with SIGINT ignored and a
Rasa token of its own (so `ps` can be searched for it)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.make_run import MakeRun, make_run_env


@pytest.fixture(scope="session")
def make_run(tmp_path_factory, trained_model):
    tmp = tmp_path_factory.mktemp("make_run")
    env = make_run_env(tmp, trained_model, RASA_AUTH_TOKEN=f"secret-{uuid.uuid4().hex}")
    run = MakeRun(env, tmp / "run.log").start()
    yield run
    run.stop()
