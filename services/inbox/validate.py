"""Small checks for request bodies and query strings; each failure is a 400."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sanic.request import Request

from services.inbox.errors import ApiError

MAX_TEXT = 4000


def require_json(request: Request) -> None:
    """415 unless the body is declared JSON: a cross-site HTML form cannot send that."""
    if not (request.content_type or "").startswith("application/json"):
        raise ApiError(415, "json_required", "Send JSON (Content-Type: application/json).")


def json_body(request: Request) -> dict:
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage on malformed JSON
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return body


def text_field(body: dict, name: str, max_len: int = MAX_TEXT, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(400, "invalid_field", f"'{name}' must be a non-empty string.")
    if len(value) > max_len:
        raise ApiError(400, "invalid_field", f"'{name}' is longer than {max_len} characters.")
    return value.strip()


def choice(value: Any, name: str, allowed: Iterable[str], default: Optional[str] = None) -> str:
    allowed = tuple(allowed)
    if value is None and default is not None:
        return default
    if value not in allowed:
        raise ApiError(400, "invalid_field", f"'{name}' must be one of {', '.join(allowed)}.")
    return value


def int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_query", f"'{name}' must be an integer.")
    return max(low, min(high, value))
