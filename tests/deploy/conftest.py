"""One throwaway PostgreSQL and one Redis for the whole deploy suite (each test
makes its own databases); skipped with the reason if the servers are missing."""
from __future__ import annotations

import pytest

from tests.support.databases import running_postgres, running_redis


@pytest.fixture(scope="session")
def postgres():
    yield from running_postgres()


@pytest.fixture(scope="session")
def redis_server():
    yield from running_redis()
