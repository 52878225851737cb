"""Client for the CRM API (the demo service's `/crm/v1`, or a compatible one)."""
from __future__ import annotations

from typing import List, Optional

from actions.clients.base import Json
from actions.clients.http import JsonHttp


class HarborCRM:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.http = JsonHttp("crm", base_url, token, timeout)

    async def get_customer(self, customer_id: str) -> Json:
        return await self.http.get(f"/customers/{customer_id}")

    async def find_customers(self, *, email: Optional[str] = None, phone: Optional[str] = None,
                             messenger_psid: Optional[str] = None) -> List[Json]:
        query = {k: v for k, v in (("email", email), ("phone", phone),
                                   ("messenger_psid", messenger_psid)) if v}
        return (await self.http.get("/customers", params=query)).get("customers", [])

    async def create_customer(self, data: Json, idempotency_key: str) -> Json:
        return await self.http.send("POST", "/customers", data, idempotency_key)

    async def update_customer(self, customer_id: str, data: Json, idempotency_key: str) -> Json:
        return await self.http.send("PATCH", f"/customers/{customer_id}", data, idempotency_key)

    async def customer_orders(self, customer_id: str) -> List[Json]:
        return (await self.http.get(f"/customers/{customer_id}/orders")).get("orders", [])

    async def send_password_reset(self, customer_id: str, idempotency_key: str) -> Json:
        return await self.http.send("POST", f"/customers/{customer_id}/password-reset", {}, idempotency_key)

    async def request_deletion(self, customer_id: str, idempotency_key: str) -> Json:
        return await self.http.send("POST", f"/customers/{customer_id}/deletion-request", {}, idempotency_key)

    async def set_newsletter(self, customer_id: str, subscribed: bool, idempotency_key: str) -> Json:
        return await self.http.send("PUT", f"/customers/{customer_id}/newsletter",
                                    {"subscribed": subscribed}, idempotency_key)

    async def get_order(self, order_id: str) -> Json:
        return await self.http.get(f"/orders/{order_id}")

    async def cancel_order(self, order_id: str, idempotency_key: str) -> Json:
        return await self.http.send("POST", f"/orders/{order_id}/cancel", {}, idempotency_key)

    async def change_shipping_address(self, order_id: str, address: str, idempotency_key: str) -> Json:
        return await self.http.send("PATCH", f"/orders/{order_id}/shipping-address",
                                    {"shipping_address": address}, idempotency_key)

    async def quote_return(self, order_id: str, skus: List[str], condition: str, refund_method: str) -> Json:
        return await self.http.get("/returns/quote", params={
            "order_id": order_id, "skus": ",".join(skus), "condition": condition,
            "refund_method": refund_method})

    async def create_return(self, data: Json, idempotency_key: str) -> Json:
        return await self.http.send("POST", "/returns", data, idempotency_key)

    async def check_order_owner(self, order_id: str, email: str) -> Json:
        # No retry: a check counts as an attempt, and a retried one would count twice.
        return await self.http.send("POST", f"/orders/{order_id}/ownership-check", {"email": email})

    async def send_verification_code(self, customer_id: str, via: str = "email") -> Json:
        return await self.http.send("POST", f"/customers/{customer_id}/verification-codes", {"via": via})

    async def check_verification_code(self, customer_id: str, code: str) -> Json:
        return await self.http.send("POST", f"/customers/{customer_id}/verification-codes/check",
                                    {"code": code})
