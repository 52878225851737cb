"""A small JSON-over-HTTP helper shared by the backend clients.

It turns every way a backend can fail into the three errors of `base.py`:
timeouts, refused connections, 5xx answers and non-JSON bodies become
`BackendError`; 404 becomes `NotFound`; 409/422 become `Rejected`. Reads, and
writes that carry an Idempotency-Key, are retried once, because repeating
them cannot change anything twice.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, Optional

import aiohttp

from actions.clients.base import BackendError, Json, NotFound, Rejected

logger = logging.getLogger(__name__)

RETRY_DELAY_SECONDS = 0.3


class JsonHttp:
    def __init__(self, system: str, base_url: str, token: str, timeout: float) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def get(self, path: str, params: Optional[Dict[str, str]] = None) -> Json:
        return await self._request("GET", path, params=params, retries=1)

    async def send(self, method: str, path: str, body: Optional[Json] = None,
                   idempotency_key: Optional[str] = None) -> Json:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return await self._request(method, path, body=body, headers=headers,
                                   retries=1 if idempotency_key else 0)

    async def _request(self, method: str, path: str, *, params: Optional[Dict[str, str]] = None,
                       body: Optional[Json] = None, headers: Optional[Dict[str, str]] = None,
                       retries: int = 0) -> Json:
        for attempt in range(retries + 1):
            try:
                return await self._once(method, path, params, body, headers or {})
            except BackendError as error:
                if attempt == retries:
                    raise
                logger.warning("%s %s %s failed (%s); retrying", self.system, method, path, error.message)
                await asyncio.sleep(RETRY_DELAY_SECONDS)
        raise AssertionError("unreachable")

    async def _once(self, method: str, path: str, params: Optional[Dict[str, str]],
                    body: Optional[Json], headers: Dict[str, str]) -> Json:
        url = f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json", **headers}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.request(method, url, params=params, json=body,
                                           headers=headers) as response:
                    text = await response.text()
                    status = response.status
        except asyncio.TimeoutError:
            raise BackendError(self.system, f"no answer within {self.timeout.total:.0f}s")
        except aiohttp.ClientError as error:
            raise BackendError(self.system, f"unreachable ({type(error).__name__})")
        return self._interpret(method, path, status, text)

    def _interpret(self, method: str, path: str, status: int, text: str) -> Json:
        try:
            data: Any = json.loads(text) if text else {}
        except ValueError:
            data = None
        if status >= 500 or data is None or not isinstance(data, dict):
            logger.error("%s %s %s answered %s: %.200s", self.system, method, path, status, text)
            raise BackendError(self.system, f"bad answer (HTTP {status})")
        if status < 300:
            return data
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        code, message = str(error.get("code", status)), str(error.get("message", text[:200]))
        if status == 404:
            raise NotFound(message)
        if status in (409, 422, 429):  # 429: a rule too (e.g. verification locked)
            raise Rejected(code, message)
        # 400/401/403 mean our request or our credentials are wrong: a configuration
        # problem the customer cannot fix, so it is treated like an outage.
        logger.error("%s %s %s refused (%s %s): %s", self.system, method, path, status, code, message)
        raise BackendError(self.system, f"refused the request (HTTP {status} {code})")
