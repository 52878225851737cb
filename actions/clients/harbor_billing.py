"""Client for the billing API (the demo service's `/billing/v1`, or a compatible one)."""
from __future__ import annotations

from typing import Dict, List, Optional

from actions.clients.base import Json
from actions.clients.http import JsonHttp


def _query(**values: Optional[str]) -> Dict[str, str]:
    return {k: v for k, v in values.items() if v}


class HarborBilling:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.http = JsonHttp("billing", base_url, token, timeout)

    async def payments(self, *, order_id: Optional[str] = None, customer_id: Optional[str] = None) -> List[Json]:
        data = await self.http.get("/payments", _query(order_id=order_id, customer_id=customer_id))
        return data.get("payments", [])

    async def get_refund(self, refund_id: str) -> Json:
        return await self.http.get(f"/refunds/{refund_id}")

    async def refunds(self, *, order_id: Optional[str] = None, customer_id: Optional[str] = None) -> List[Json]:
        data = await self.http.get("/refunds", _query(order_id=order_id, customer_id=customer_id))
        return data.get("refunds", [])

    async def create_refund(self, data: Json, idempotency_key: str) -> Json:
        return await self.http.send("POST", "/refunds", data, idempotency_key)

    async def get_invoice(self, invoice_id: str) -> Json:
        return await self.http.get(f"/invoices/{invoice_id}")

    async def invoices(self, *, order_id: Optional[str] = None, customer_id: Optional[str] = None) -> List[Json]:
        data = await self.http.get("/invoices", _query(order_id=order_id, customer_id=customer_id))
        return data.get("invoices", [])

    async def email_invoice(self, invoice_id: str, idempotency_key: str) -> Json:
        return await self.http.send("POST", f"/invoices/{invoice_id}/email", {}, idempotency_key)

    async def subscriptions(self, customer_id: str) -> List[Json]:
        data = await self.http.get("/subscriptions", {"customer_id": customer_id})
        return data.get("subscriptions", [])

    async def cancellation_quote(self, subscription_id: str) -> Json:
        return await self.http.get(f"/subscriptions/{subscription_id}/cancellation-quote")

    async def cancel_subscription(self, subscription_id: str, idempotency_key: str) -> Json:
        return await self.http.send("POST", f"/subscriptions/{subscription_id}/cancel", {}, idempotency_key)

    async def pause_subscription(self, subscription_id: str, months: int, idempotency_key: str) -> Json:
        return await self.http.send("POST", f"/subscriptions/{subscription_id}/pause",
                                    {"months": months}, idempotency_key)

    async def payment_methods(self) -> List[str]:
        return (await self.http.get("/payment-methods")).get("methods", [])
