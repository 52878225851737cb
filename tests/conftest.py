"""Session-wide real servers: the demo CRM/billing service, the action server
and Rasa with the project's trained model. Started once, shared by the tests
that ask for them, stopped at the end."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.procs import Server  # noqa: E402


def _started(srv: Server) -> Server:
    return srv if srv.proc is not None else srv.start()


@pytest.fixture(scope="session")
def demo_crm(tmp_path_factory):
    from tests.support.crm import start_demo_crm

    srv = _started(start_demo_crm(tmp_path_factory.mktemp("crm")))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The project's model for the current data (`make test` trains it first).

    HARBOR_MODEL=path uses that model instead (quick runs while editing data)."""
    import os

    from scripts.model import ensure_model

    if os.environ.get("HARBOR_MODEL"):
        return Path(os.environ["HARBOR_MODEL"]).resolve()
    return ensure_model(quiet=True)


@pytest.fixture(scope="session")
def action_server(tmp_path_factory, demo_crm):
    from tests.support.stack import action_server as build

    srv = build(tmp_path_factory.mktemp("actions"), demo_crm).start(timeout=90)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def rasa(tmp_path_factory, trained_model, action_server):
    """Rasa serving the REST channel and the HTTP API (token: stack.RASA_TOKEN)."""
    from tests.support.stack import rasa_server

    srv = rasa_server(tmp_path_factory.mktemp("rasa"), trained_model, action_server).start(timeout=180)
    yield srv
    srv.stop()
