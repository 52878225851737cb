"""One running inbox (with a stand-in Rasa) for the privacy suite; each test
uses its own senders in it."""
from __future__ import annotations

import pytest

from tests.support.inbox import start_recorder
from tests.support.inbox import start_inbox


@pytest.fixture(scope="session")
def inbox(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("privacy-inbox")
    rasa = start_recorder(tmp, "rasa")
    srv = start_inbox(tmp, rasa_url=rasa.url)
    yield srv
    srv.stop()
    rasa.stop()
