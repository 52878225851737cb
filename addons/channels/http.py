"""Outbound HTTP to the provider APIs with bounded retries.

429 and 5xx (and network errors) are transient at Meta and Twilio: retry with
exponential backoff a few times. Any other 4xx is our fault (bad token,
invalid payload, closed window): retrying cannot help. Nothing here raises, so
a failed send never crashes the conversation turn; callers get a SendResult.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import aiohttp

from addons.channels.config import env_float, env_int

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 10.0


@dataclass
class SendResult:
    """What the caller (a bot turn or the agent inbox) needs to know about a send."""

    sent: bool
    status: Optional[int] = None
    body: Any = None
    error: Optional[str] = None
    message_id: Optional[str] = None
    fallback: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> Dict[str, Any]:
        return {"sent": self.sent, "error": self.error, "message_id": self.message_id,
                "fallback": self.fallback, "status": self.status, **self.extra}


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _error_message(body: Any, status: int) -> str:
    """Graph errors are {"error": {"message"}}; Twilio's are {"message", "code"}."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return f"{status}: {err['message']} (code {err.get('code')})"
        if body.get("message"):
            return f"{status}: {body['message']} (code {body.get('code')})"
    return f"{status}: {str(body)[:300]}"


def _delay(attempt: int, retry_after: Optional[str]) -> float:
    base = env_float("CHANNEL_RETRY_BASE_SECONDS", 0.5)
    if retry_after and retry_after.isdigit():
        return min(float(retry_after), MAX_RETRY_AFTER_SECONDS)
    return base * (2 ** attempt)


async def _read_body(resp: aiohttp.ClientResponse) -> Any:
    text = await resp.text()
    try:
        return await resp.json(content_type=None) if text else None
    except ValueError:
        return text


async def post(url: str, *, what: str, json: Any = None, data: Any = None,
               headers: Optional[Dict[str, str]] = None,
               auth: Optional[aiohttp.BasicAuth] = None,
               params: Optional[Dict[str, str]] = None) -> SendResult:
    """POSTs with up to CHANNEL_SEND_ATTEMPTS tries; `what` names it in logs."""
    attempts = max(1, env_int("CHANNEL_SEND_ATTEMPTS", 3))
    timeout = aiohttp.ClientTimeout(total=env_float("CHANNEL_HTTP_TIMEOUT_SECONDS", 10))
    result = SendResult(sent=False, error="not attempted")
    for attempt in range(attempts):
        retry_after = None
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(url, json=json, data=data, headers=headers,
                                        auth=auth, params=params) as resp:
                    body = await _read_body(resp)
                    retry_after = resp.headers.get("Retry-After")
                    if resp.status < 300:
                        return SendResult(sent=True, status=resp.status, body=body)
                    result = SendResult(sent=False, status=resp.status, body=body,
                                        error=_error_message(body, resp.status))
                    if not _retryable(resp.status):
                        break
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            result = SendResult(sent=False, error=f"network error: {e!r}")
        if attempt + 1 < attempts:
            logger.info("%s failed (%s), retrying", what, result.error)
            await asyncio.sleep(_delay(attempt, retry_after))
    logger.error("%s failed after %d attempt(s): %s", what, attempt + 1, result.error)
    return result
