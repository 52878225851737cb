"""Client tests create returns: they get a demo service of their own."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def demo_crm(tmp_path_factory):
    from tests.support.crm import start_demo_crm

    srv = start_demo_crm(tmp_path_factory.mktemp("clients-crm"))
    yield srv
    srv.stop()
