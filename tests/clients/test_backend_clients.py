"""The CRM and billing clients against a live demo service, and against
servers that misbehave the ways real backends do (down, slow, garbage)."""
from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from actions.clients.base import BackendError, NotFound, Rejected
from actions.clients.harbor_billing import HarborBilling
from actions.clients.harbor_crm import HarborCRM
from tests.support.procs import free_port


@pytest.fixture
def crm(demo_crm):
    return HarborCRM(f"{demo_crm.url}/crm/v1", "dev-crm-token", timeout=3)


@pytest.fixture
def billing(demo_crm):
    return HarborBilling(f"{demo_crm.url}/billing/v1", "dev-billing-token", timeout=3)


async def test_reads_return_the_demo_stores_records(crm, billing):
    order = await crm.get_order("10231")
    assert order["carrier"] == "UPS" and order["tracking_number"] == "1Z999AA10123456784"
    [maya] = await crm.find_customers(email="MAYA.PATEL@example.com")
    assert maya["id"] == "C001"
    [by_phone] = await crm.find_customers(phone="+14155550101")
    assert by_phone["id"] == "C001"
    payments = await billing.payments(order_id="10238")
    assert sorted(p["amount"] for p in payments) == ["349.00", "349.00"]
    assert "Visa" in await billing.payment_methods()


async def test_an_unknown_record_is_not_found(crm, billing):
    with pytest.raises(NotFound):
        await crm.get_order("99999")
    with pytest.raises(NotFound):
        await billing.get_invoice("INV-00000")


async def test_a_business_rule_refusal_names_its_code(crm):
    with pytest.raises(Rejected) as refused:
        await crm.cancel_order("10231", idempotency_key="test-cancel-shipped")
    assert refused.value.code == "order_already_shipped"


async def test_the_same_idempotency_key_creates_a_return_once(crm):
    body = {"order_id": "10232", "items": [{"sku": "TOTE-01", "qty": 1}], "reason": "too small",
            "condition": "none", "refund_method": "store_credit"}
    first = await crm.create_return(body, idempotency_key="test-return-once")
    again = await crm.create_return(body, idempotency_key="test-return-once")
    assert first["rma"] == again["rma"]


async def test_a_wrong_token_is_an_outage_not_a_customer_problem(demo_crm):
    client = HarborCRM(f"{demo_crm.url}/crm/v1", "not-the-token", timeout=3)
    with pytest.raises(BackendError) as failure:
        await client.get_order("10231")
    assert failure.value.system == "crm" and "401" in failure.value.message


async def test_nothing_listening_is_an_outage():
    client = HarborBilling(f"http://127.0.0.1:{free_port()}/billing/v1", "t", timeout=1)
    with pytest.raises(BackendError) as failure:
        await client.get_refund("R-5001")
    assert failure.value.system == "billing" and "unreachable" in failure.value.message


class Misbehaving:
    """A backend on a loopback port that answers badly, counting the calls."""

    def __init__(self, handler) -> None:
        self.calls = 0
        self.handler = handler
        self.port = free_port()

    async def __aenter__(self) -> "Misbehaving":
        async def handle(request: web.Request) -> web.StreamResponse:
            self.calls += 1
            return await self.handler(request, self.calls)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/crm/v1"


async def test_an_html_error_page_is_an_outage_after_one_retry():
    async def html(request, n):
        return web.Response(text="<html>502 Bad Gateway</html>", status=502, content_type="text/html")
    async with Misbehaving(html) as backend:
        with pytest.raises(BackendError):
            await HarborCRM(backend.url, "t", timeout=2).get_order("10231")
        assert backend.calls == 2  # a read is retried once


async def test_a_read_that_fails_once_succeeds_on_the_retry():
    async def flaky(request, n):
        if n == 1:
            return web.Response(status=503, text="busy")
        return web.json_response({"id": "10231", "status": "shipped"})
    async with Misbehaving(flaky) as backend:
        order = await HarborCRM(backend.url, "t", timeout=2).get_order("10231")
    assert order["status"] == "shipped"


async def test_a_slow_backend_times_out_instead_of_hanging_the_turn():
    async def slow(request, n):
        await asyncio.sleep(5)
        return web.json_response({})
    async with Misbehaving(slow) as backend:
        started = asyncio.get_running_loop().time()
        with pytest.raises(BackendError) as failure:
            await HarborCRM(backend.url, "t", timeout=0.5).get_order("10231")
        assert asyncio.get_running_loop().time() - started < 3
    assert "no answer" in failure.value.message


async def test_a_create_without_idempotency_key_is_never_retried():
    async def failing(request, n):
        return web.Response(status=500, text="oops")
    async with Misbehaving(failing) as backend:
        client = HarborCRM(backend.url, "t", timeout=2)
        with pytest.raises(BackendError):
            await client.http.send("POST", "/returns", {"order_id": "1"})
        assert backend.calls == 1
