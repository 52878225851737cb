"""Session-wide real servers for end-to-end tests: the demo CRM/billing
service, a stand-in for Meta's and Twilio's APIs, the agent inbox, the action
server and Rasa with the project's trained model. Each starts once, when a test
first asks for it, and stops at the end."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support.channels import CHANNEL_SECRETS

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.procs import PYTHON, Server, free_port, server  # noqa: E402

# Channel secrets the end-to-end tests sign webhooks with.


def _started(srv: Server) -> Server:
    return srv if srv.proc is not None else srv.start()


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory) -> Path:
    """Files the stack's processes share: Rasa's event broker and channel state."""
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def rasa_port() -> int:
    """Reserved up front: the inbox must know Rasa's URL before Rasa starts."""
    return free_port()


@pytest.fixture(scope="session")
def demo_crm(tmp_path_factory):
    from tests.support.crm import start_demo_crm

    srv = _started(start_demo_crm(tmp_path_factory.mktemp("crm")))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def fake_meta(stack_dir):
    """Stand-in for the Graph API, Twilio's API and a callback-channel customer."""
    srv = server([PYTHON, "-m", "tests.support.fake_meta_api"], stack_dir / "fake_meta.log",
                 health_path="/_fake/requests")
    srv.cmd += ["--port", str(srv.port)]
    srv.start()
    yield srv
    srv.stop()


def channel_env(fake_meta: Server) -> dict:
    """What Rasa's channels and the inbox's replies need: secrets, and the
    stand-in's URL for Meta's, Twilio's and the callback customer's APIs."""
    return {**CHANNEL_SECRETS, "WHATSAPP_API_BASE": fake_meta.url,
            "MESSENGER_API_BASE": fake_meta.url, "TWILIO_API_BASE": fake_meta.url,
            "CALLBACK_URL": f"{fake_meta.url}/callback"}


@pytest.fixture(scope="session")
def inbox(stack_dir, rasa_port, fake_meta, demo_crm):
    from tests.support.crm import BILLING_TOKEN
    from tests.support.inbox import start_inbox

    # billing: approved refunds are carried out by the inbox (services/inbox/approvals.py)
    srv = start_inbox(stack_dir, rasa_url=f"http://127.0.0.1:{rasa_port}",
                      event_db_url=f"sqlite:///{stack_dir / 'events.db'}",
                      env={**channel_env(fake_meta), "BILLING_API_URL": f"{demo_crm.url}/billing/v1",
                           "BILLING_API_TOKEN": BILLING_TOKEN})
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The project's model for the current data (`make test` trains it first).

    HARBOR_MODEL=path uses that model instead (quick runs while editing data)."""
    from scripts.model import ensure_model

    if os.environ.get("HARBOR_MODEL"):
        return Path(os.environ["HARBOR_MODEL"]).resolve()
    return ensure_model(quiet=True)


@pytest.fixture(scope="session")
def action_server(tmp_path_factory, demo_crm, inbox):
    from tests.support.inbox import SERVICE_TOKEN
    from tests.support.stack import action_server as build

    srv = build(tmp_path_factory.mktemp("actions"), demo_crm, env={
        "INBOX_URL": inbox.url, "INBOX_SERVICE_TOKEN": SERVICE_TOKEN, "SUPPORT_HOURS": "always"})
    srv.start(timeout=90)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def rasa(stack_dir, rasa_port, trained_model, action_server, fake_meta, inbox):
    """Rasa with every channel: REST, callback, WhatsApp, Twilio and Messenger
    (their APIs are the stand-in), sharing state files with the inbox."""
    from tests.support.stack import rasa_server

    env = {
        **channel_env(fake_meta),
        "CHANNEL_STATE_DB_URL": inbox.env["CHANNEL_STATE_DB_URL"],
        "EVENT_BROKER_DB": str(stack_dir / "events.db"),
    }
    srv = rasa_server(stack_dir, trained_model, action_server, env=env, port=rasa_port)
    srv.start(timeout=240)
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def no_verification_lockout_left_behind(request):
    """Failed emails and codes are counted by the CRM across conversations, so
    a test that locks a seeded customer out must not lock out the next test."""
    yield
    if "demo_crm" in request.fixturenames:
        from tests.support.crm import unlock_verification

        try:
            unlock_verification(request.getfixturevalue("demo_crm"))
        except OSError:
            pass  # a test's own service, already stopped: nothing left to unlock
