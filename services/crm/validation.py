"""Reading request input: JSON bodies, fields and query parameters.

Every failure names the offending field, so a client (or the engineer reading
its log) knows what to fix.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, Optional

from sanic.request import Request

from services.crm.errors import ApiError, invalid_field, missing_field

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def json_body(request: Request) -> Dict[str, Any]:
    """The body as a JSON object; an empty body counts as {}."""
    raw = request.body or b""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"body is not valid JSON ({exc})")
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "body must be a JSON object")
    return data


def text(data: Dict, field: str, required: bool = True, max_len: int = 500) -> Optional[str]:
    value = data.get(field)
    if value is None:
        if required:
            raise missing_field(field)
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid_field(field, "must be a non-empty string")
    if len(value) > max_len:
        raise invalid_field(field, f"must be at most {max_len} characters")
    return value.strip()


def choice(data: Dict, field: str, allowed: Iterable[str]) -> str:
    value = text(data, field, max_len=64)
    allowed = sorted(allowed)
    if value not in allowed:
        raise invalid_field(field, f"must be one of {', '.join(allowed)}")
    return value


def boolean(data: Dict, field: str) -> bool:
    if field not in data:
        raise missing_field(field)
    if not isinstance(data[field], bool):
        raise invalid_field(field, "must be true or false")
    return data[field]


def integer(value: Any, field: str, minimum: int = 1) -> int:
    if value is None:
        raise missing_field(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_field(field, "must be a whole number")
    if value < minimum:
        raise invalid_field(field, f"must be at least {minimum}")
    return value


def amount(value: Any, field: str = "amount") -> Decimal:
    """A positive amount with at most two decimals, given as string or number."""
    if value is None:
        raise missing_field(field)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise invalid_field(field, 'must be a decimal string like "12.50"')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid_field(field, 'must be a decimal string like "12.50"')
    if not number.is_finite() or number <= 0 or number.as_tuple().exponent < -2:
        raise invalid_field(field, "must be positive, with at most two decimals")
    return number.quantize(Decimal("0.01"))


def email(value: str, field: str = "email") -> str:
    if not EMAIL.match(value) or len(value) > 254:
        raise invalid_field(field, "must be an email address")
    return value


def phone(value: str, field: str = "phone") -> str:
    """E.164. Separators are dropped, and a missing '+' is restored because a
    raw '+' in a query string arrives as a space."""
    cleaned = PHONE_SEPARATORS.sub("", value)
    if cleaned.isdigit():
        cleaned = "+" + cleaned
    if not E164.match(cleaned):
        raise invalid_field(field, "must be a phone number in E.164 format, e.g. +14155550101")
    return cleaned


def only_fields(data: Dict, allowed: Iterable[str]) -> None:
    """For PATCH: a field we would silently ignore is a change the caller did not get."""
    for field in data:
        if field not in allowed:
            raise ApiError(400, "unknown_field", f"{field}: cannot be changed here")


def query(request: Request, name: str) -> Optional[str]:
    value = request.args.get(name)
    return value.strip() if value and value.strip() else None


def ident(data: Dict, field: str) -> str:
    """An id; a number is accepted too (order ids look like numbers)."""
    value = data.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text(data, field, max_len=64)
