"""Action tests call the live demo service: `backend` points the clients at it."""
from __future__ import annotations

import pytest

from actions import clients
from tests.support.procs import free_port


def _point_clients_at(monkeypatch, base_url: str) -> None:
    monkeypatch.setenv("CRM_API_URL", f"{base_url}/crm/v1")
    monkeypatch.setenv("BILLING_API_URL", f"{base_url}/billing/v1")
    monkeypatch.setenv("CRM_API_TOKEN", "dev-crm-token")
    monkeypatch.setenv("BILLING_API_TOKEN", "dev-billing-token")
    monkeypatch.setenv("BACKEND_TIMEOUT_SECONDS", "2")
    clients.crm.cache_clear()
    clients.billing.cache_clear()


@pytest.fixture(scope="package")
def demo_crm(tmp_path_factory):
    """A demo service of their own: action tests change data (returns, cancelled
    orders, edited accounts) that the end-to-end tests must still find as seeded."""
    from tests.support.crm import start_demo_crm

    srv = start_demo_crm(tmp_path_factory.mktemp("actions-crm"))
    yield srv
    srv.stop()


@pytest.fixture
def backend(demo_crm, monkeypatch):
    # Lockouts left by a test are ended by tests/conftest.py (no_verification_lockout_left_behind).
    _point_clients_at(monkeypatch, demo_crm.url)
    yield demo_crm
    clients.crm.cache_clear()
    clients.billing.cache_clear()


@pytest.fixture(scope="module")
def private_crm(tmp_path_factory):
    """A demo service of the module's own, for tests that change billing."""
    from tests.support.crm import start_demo_crm

    srv = start_demo_crm(tmp_path_factory.mktemp("private-crm"))
    yield srv
    srv.stop()


@pytest.fixture
def fresh_backend(private_crm, monkeypatch):
    """The clients pointed at the module's own demo service (for changes);
    yields the API clients to check what changed."""
    from tests.support.crm import clients as api_clients

    _point_clients_at(monkeypatch, private_crm.url)
    yield api_clients(private_crm)
    clients.crm.cache_clear()
    clients.billing.cache_clear()


@pytest.fixture
def backend_down(monkeypatch):
    """Clients pointed at a port where nothing listens."""
    _point_clients_at(monkeypatch, f"http://127.0.0.1:{free_port()}")
    yield
    clients.crm.cache_clear()
    clients.billing.cache_clear()
