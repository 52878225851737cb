"""The few calls the inbox makes to Rasa's HTTP API (token in `?token=`)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

logger = logging.getLogger("inbox.rasa")


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error; the message says which."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.base_url, self.token = base_url.rstrip("/"), token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session:
            await self._session.close()

    def _url(self, sender_id: str, tail: str) -> str:
        # Rasa's routes do not unquote, so keep characters of real sender ids
        # ("+14155550101", "user@x") as they are; escape the rest.
        return f"{self.base_url}/conversations/{quote(sender_id, safe='+@:-._~')}/{tail}"

    async def _request(self, method: str, url: str, params: Dict[str, str],
                       body: Any = None) -> str:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.request(method, url, json=body,
                                             params={"token": self.token, **params}) as resp:
                text = await resp.text()
                if resp.status >= 300:
                    raise RasaUnavailable(f"Rasa answered {resp.status}: {text[:200]}")
                return text
        except aiohttp.ClientError as exc:
            raise RasaUnavailable(f"Rasa at {self.base_url} unreachable: {exc}") from exc
        except asyncio.TimeoutError as exc:
            raise RasaUnavailable(f"Rasa at {self.base_url} did not answer in time") from exc

    async def append_events(self, sender_id: str, events: List[Dict[str, Any]]) -> None:
        await self._request("POST", self._url(sender_id, "tracker/events"),
                            {"include_events": "NONE"}, events)

    async def trigger_intent(self, sender_id: str, name: str,
                             entities: Optional[List[Dict[str, Any]]] = None) -> None:
        """The bot acts on `name` as if the customer said it; replies go to their channel."""
        await self._request("POST", self._url(sender_id, "trigger_intent"),
                            {"output_channel": "latest"},
                            {"name": name, **({"entities": entities} if entities else {})})

    async def tracker_events(self, sender_id: str) -> List[Dict[str, Any]]:
        """The conversation's events since its last restart ([] if Rasa sends none)."""
        text = await self._request("GET", self._url(sender_id, "tracker"),
                                   {"include_events": "AFTER_RESTART"})
        try:
            events = json.loads(text).get("events")
        except (ValueError, AttributeError) as exc:
            raise RasaUnavailable(f"Rasa sent a tracker that is not JSON: {text[:200]}") from exc
        return events if isinstance(events, list) else []
