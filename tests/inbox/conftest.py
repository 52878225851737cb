"""Real processes for the inbox tests: the inbox, a stand-in Rasa HTTP API and a
customer's callback endpoint (both recorders, see tests/support/recorder.py)."""
from __future__ import annotations

import pytest

from tests.support.inbox import start_inbox, start_recorder


@pytest.fixture(scope="module")
def fake_rasa(tmp_path_factory):
    srv = start_recorder(tmp_path_factory.mktemp("rasa"), "rasa")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def customer_callback(tmp_path_factory):
    srv = start_recorder(tmp_path_factory.mktemp("callback"), "callback")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, fake_rasa, customer_callback):
    tmp = tmp_path_factory.mktemp("inbox")
    srv = start_inbox(tmp, rasa_url=fake_rasa.url,
                      env={"CALLBACK_URL": customer_callback.url + "/bot"})
    yield srv
    srv.stop()
