"""One live demo CRM per test module: each module starts from the seed data,
and tests inside a module touch different seed records."""
from __future__ import annotations

import pytest

from tests.support.crm import JsonClient, clients, start_demo_crm


@pytest.fixture(scope="module")
def demo_crm(tmp_path_factory):
    srv = start_demo_crm(tmp_path_factory.mktemp("demo_crm"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def crm(demo_crm) -> JsonClient:
    return clients(demo_crm)["crm"]


@pytest.fixture(scope="module")
def billing(demo_crm) -> JsonClient:
    return clients(demo_crm)["billing"]


@pytest.fixture(scope="module")
def admin(demo_crm) -> JsonClient:
    return clients(demo_crm)["admin"]


@pytest.fixture(scope="module")
def root(demo_crm) -> JsonClient:
    return clients(demo_crm)["root"]


@pytest.fixture(scope="module")
def outbox(admin):
    """outbox(email) -> the messages the demo 'sent' to that address."""
    def messages(to: str):
        reply = admin.get("/outbox", params={"to": to})
        assert reply.status == 200, reply.body
        return reply.body["messages"]
    return messages
