"""Where a conversation goes when the bot hands it to a person.

`actions/handoff.py` builds the context package and calls
`get_handoff_target().create(package)`. The default target is Harbor's agent
inbox; a company with its own helpdesk (Zendesk, Freshdesk, Front…) writes one
class with the same `create` method and names it in HANDOFF_TARGET=module:Class.
"""
from __future__ import annotations

import asyncio
import importlib
import os
from typing import Any, Dict, Optional, Protocol

import aiohttp

Json = Dict[str, Any]


class HandoffUnavailable(Exception):
    """The handoff target could not take the conversation (down, slow, refused).

    The action then tells the customer nobody can take over right now and keeps
    the bot talking, instead of pausing a conversation no one will see.
    """

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


class HandoffTarget(Protocol):
    async def create(self, package: Json) -> Json:
        """Takes the context package; returns at least {"id": ...} of the new handoff."""


class InboxHandoffTarget:
    """Posts the package to Harbor's inbox (`POST {INBOX_URL}/api/internal/handoffs`)."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: Optional[float] = None) -> None:
        self.url = (url or os.environ.get("INBOX_URL", "http://localhost:8080")).rstrip("/")
        self.token = token or os.environ.get("INBOX_SERVICE_TOKEN", "")
        self.timeout = timeout or float(os.environ.get("BACKEND_TIMEOUT_SECONDS", "5"))

    async def create(self, package: Json) -> Json:
        endpoint = f"{self.url}/api/internal/handoffs"
        try:
            async with aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
                async with session.post(endpoint, json=package, headers={
                        "Authorization": f"Bearer {self.token}"}) as resp:
                    body = await resp.json(content_type=None)
                    if resp.status >= 300:
                        error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                        raise HandoffUnavailable(
                            f"inbox refused the handoff ({resp.status} {error.get('code', '')}: "
                            f"{error.get('message', '')})", resp.status)
                    return body
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise HandoffUnavailable(f"inbox at {self.url} unreachable or garbled: {exc!r}") from exc


def get_handoff_target() -> HandoffTarget:
    """HANDOFF_TARGET=module:Class (constructed without arguments), default the inbox."""
    spec = os.environ.get("HANDOFF_TARGET", "").strip()
    if not spec:
        return InboxHandoffTarget()
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        raise ValueError(f"HANDOFF_TARGET must be module:Class, got {spec!r}")
    return getattr(importlib.import_module(module_name), class_name)()
