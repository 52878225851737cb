"""The inbox's only use of the CRM: ending a customer's verification lockout.

Unlocks are rare, so each call opens its own short-lived HTTP session: no pool
to keep alive or to close at shutdown.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import aiohttp

from services.inbox.config import Config

logger = logging.getLogger("inbox.crm")


class CrmUnavailable(Exception):
    """The CRM did not answer, or refused; the message says which, for the agent."""


def _error_text(status: int, raw: str) -> str:
    """The CRM's own error message (`{"error": {"message"}}`) when it sent one."""
    try:
        message = json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = raw[:200]
    if status == 401:
        return "the CRM refused the inbox's token (check CRM_API_TOKEN)"
    return f"the CRM answered {status}: {message}"


@dataclass(frozen=True)
class CrmClient:
    base_url: str
    token: str
    timeout: float

    @classmethod
    def from_config(cls, config: Config) -> Optional["CrmClient"]:
        """None when CRM_API_URL or CRM_API_TOKEN is empty (the inbox runs without)."""
        if not (config.crm_url and config.crm_token):
            return None
        return cls(config.crm_url, config.crm_token, config.crm_timeout)

    async def _call(self, method: str, path: str, body: Any = None) -> Tuple[int, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.request(method, self.base_url + path, json=body,
                                           headers=headers) as resp:
                    return resp.status, await resp.text()
        except aiohttp.ClientError as exc:
            raise CrmUnavailable(f"the CRM at {self.base_url} is unreachable ({exc})") from exc
        except asyncio.TimeoutError as exc:
            raise CrmUnavailable(f"the CRM at {self.base_url} did not answer within "
                                 f"{self.timeout:g} s") from exc

    async def _json(self, method: str, path: str, body: Any = None,
                    missing_ok: bool = False) -> Optional[Dict[str, Any]]:
        status, raw = await self._call(method, path, body)
        if status == 404 and missing_ok:
            return None
        if status >= 300:
            raise CrmUnavailable(_error_text(status, raw))
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise CrmUnavailable(f"the CRM sent something that is not JSON: {raw[:200]}") from exc

    async def order_customer(self, order_id: str) -> Optional[str]:
        """Who placed the order (None for an unknown order)."""
        order = await self._json("GET", f"/orders/{quote(order_id, safe='')}", missing_ok=True)
        customer_id = (order or {}).get("customer_id")
        return customer_id if isinstance(customer_id, str) else None

    async def unlock_verification(self, customer_id: Optional[str],
                                  order_id: Optional[str]) -> List[str]:
        """Ends the lockouts; returns the subjects the CRM cleared ("customer:C001")."""
        body = {k: v for k, v in (("customer_id", customer_id), ("order_id", order_id)) if v}
        answer = await self._json("POST", "/verification/unlock", body) or {}
        unlocked = answer.get("unlocked")
        return [s for s in unlocked if isinstance(s, str)] if isinstance(unlocked, list) else []
