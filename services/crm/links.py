"""Signed, expiring links to documents (invoice PDFs).

Whoever holds the link may open the document until it expires, and nobody can
make one up: `?expires=<unix time>&signature=<HMAC-SHA256 of path and expiry>`
with INVOICE_LINK_SECRET. Seven days, so an emailed copy still opens.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from urllib.parse import urlencode

from services.crm.errors import ApiError
from services.crm.routing import Call

TTL_SECONDS = 7 * 24 * 3600
EXPIRES = re.compile(r"[0-9]{1,12}")  # ASCII digits, short: int() of anything else can fail


def _signature(secret: str, path: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def _secret(call: Call) -> str:
    return call.request.app.ctx.link_secret


def signed_url(call: Call, path: str) -> str:
    """An absolute link to `path` (e.g. /invoices/INV-10232.pdf) valid for TTL_SECONDS."""
    expires = int(time.time()) + TTL_SECONDS
    query = urlencode({"expires": expires, "signature": _signature(_secret(call), path, expires)})
    return f"{call.base_url}{path}?{query}"


def check(call: Call) -> None:
    """403 unless the request carries a valid, unexpired signature for its path."""
    expires, signature = call.request.args.get("expires", ""), call.request.args.get("signature", "")
    if not EXPIRES.fullmatch(expires) or not signature:
        raise ApiError(403, "invalid_link", "this document needs a signed link")
    expected = _signature(_secret(call), call.request.path, int(expires))
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise ApiError(403, "invalid_link", "the link's signature does not match")
    if int(expires) < time.time():
        raise ApiError(403, "link_expired", "the link has expired; ask for a new one")
