"""Request guards shared by the webhooks: size, parsing, signature, handshake.

Each guard returns an error HTTPResponse (and logs why) or the parsed value,
so a rejected request never reaches the bot.
"""
from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, TypeVar, Union
from urllib.parse import parse_qs

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.channels.security import META_SIGNATURE_HEADER, verify_meta_signature

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MAX_BODY_BYTES = 1024 * 1024  # providers send a few KiB; anything near 1 MiB is abuse


def reject(status: int, reason: str, channel: str, request: Request) -> HTTPResponse:
    logger.warning("%s webhook rejected (%s): %s from %s", channel, status, reason,
                   request.ip)
    return response.json({"error": reason}, status=status)


def oversize(request: Request, channel: str) -> Optional[HTTPResponse]:
    declared = request.headers.get("content-length", "0")
    size = max(len(request.body or b""), int(declared) if declared.isdigit() else 0)
    if size > MAX_BODY_BYTES:
        return reject(413, f"body of {size} bytes exceeds {MAX_BODY_BYTES}", channel, request)
    return None


def meta_signed_json(request: Request, channel: str, app_secret: str
                     ) -> Union[HTTPResponse, Dict[str, Any]]:
    """Size, then X-Hub-Signature-256 over the raw body, then JSON object."""
    too_big = oversize(request, channel)
    if too_big:
        return too_big
    body = request.body or b""
    header = request.headers.get(META_SIGNATURE_HEADER, "")
    if not verify_meta_signature(body, header, app_secret):
        reason = "missing signature" if not header else "bad signature"
        return reject(403, reason, channel, request)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return reject(400, "malformed JSON", channel, request)
    if not isinstance(data, dict):
        return reject(400, "JSON body is not an object", channel, request)
    return data


def parse_form(request: Request, channel: str
               ) -> Union[HTTPResponse, Dict[str, List[str]]]:
    """Strict x-www-form-urlencoded parsing: the signature covers every pair."""
    try:
        text = (request.body or b"").decode("utf-8")
        return parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except (ValueError, UnicodeDecodeError):
        return reject(400, "malformed form body", channel, request)


def meta_handshake(request: Request, channel: str, verify_token: str) -> HTTPResponse:
    """GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=... → echo challenge."""
    mode = request.args.get("hub.mode")
    token = request.args.get("hub.verify_token", "")
    challenge = request.args.get("hub.challenge", "")
    if mode == "subscribe" and verify_token and hmac.compare_digest(
            token.encode(), verify_token.encode()):
        return response.text(challenge)
    return reject(403, "verification failed", channel, request)


def first(form: Dict[str, List[str]], key: str, default: str = "") -> str:
    values = form.get(key)
    return values[0] if values else default


def dict_items(value: Any) -> List[Dict[str, Any]]:
    """The dict items of a list; a malformed part of a payload counts as empty."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def obj(value: Any) -> Dict[str, Any]:
    """A part of a payload that should be an object; anything else counts as empty."""
    return value if isinstance(value, dict) else {}


async def each_isolated(channel: str, items: Iterable[T],
                        handle: Callable[[T], Awaitable[Optional[R]]],
                        ident: Callable[[T], Any] = lambda item: obj(item).get("id")
                        ) -> List[R]:
    """`handle` on every item of one delivery; a malformed item is logged and
    skipped, so it neither fails the webhook nor costs the other items."""
    results: List[R] = []
    for item in items:
        try:
            result = await handle(item)
        except Exception as exc:  # noqa: BLE001 - one bad item must not drop the batch
            logger.warning("%s: malformed item %s skipped (%s: %s)", channel,
                           ident(item) or "without id", type(exc).__name__, exc)
            continue
        if result is not None:
            results.append(result)
    return results
