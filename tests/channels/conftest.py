"""Fixtures: the fake provider API and the channel harness, as real local servers."""
from __future__ import annotations

import sys
from typing import Dict, Iterator

import pytest

from tests.support.channels import FakeApi, Harness, channel_env, start_harness
from tests.support.procs import free_port, server


@pytest.fixture(scope="session")
def fake_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeApi]:
    work = tmp_path_factory.mktemp("fake_api")
    env = channel_env("http://unused", work)
    port = free_port()
    srv = server([sys.executable, "-m", "tests.support.fake_meta_api", "--port", str(port)],
                 work / "fake.log", port=port, env=env)
    srv.start()
    yield FakeApi(srv)
    srv.stop()


@pytest.fixture(scope="session")
def harness(fake_api: FakeApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    work = tmp_path_factory.mktemp("harness")
    h = start_harness(channel_env(fake_api.url, work), work)
    yield h
    h.server.stop()


@pytest.fixture
def api(fake_api: FakeApi) -> FakeApi:
    """The fake API with no calls recorded and no failures pending."""
    fake_api.reset()
    return fake_api


@pytest.fixture
def local_env(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    """This test process configured like the harness (same DB, same fake API), for
    in-process use of the registry and the output channels."""
    for key, value in harness.env.items():
        if key != "HARNESS_LOG":
            monkeypatch.setenv(key, value)
    return harness.env
