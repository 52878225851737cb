"""Bearer tokens: each API accepts only its own token (least privilege)."""
from __future__ import annotations

import hmac
from typing import Iterable

from sanic.request import Request

from services.crm.errors import ApiError


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def check(request: Request, accepted: Iterable[str]) -> None:
    """Raises 401 unless the request carries one of the accepted tokens."""
    token = bearer(request)
    if not token:
        raise ApiError(401, "unauthorized", "missing bearer token")
    # compare_digest: no timing hint about how much of a guess was right.
    if not any(hmac.compare_digest(token.encode(), t.encode()) for t in accepted):
        raise ApiError(401, "unauthorized", "invalid token for this API")
