"""Who is calling and over what, behind a reverse proxy we trust (INBOX_TRUSTED_PROXIES).

X-Forwarded-For and X-Forwarded-Proto are believed only when the direct peer
is one of the trusted proxy addresses; anyone else could write them.
"""
from __future__ import annotations

from sanic.request import Request


def _trusted(request: Request) -> bool:
    return request.ip in request.app.ctx.config.trusted_proxies


def client_address(request: Request) -> str:
    """The customer-side address: the last X-Forwarded-For hop no trusted proxy added."""
    if not _trusted(request):
        return request.ip
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")
            if hop.strip()]
    proxies = request.app.ctx.config.trusted_proxies
    outside = [hop for hop in hops if hop not in proxies]
    return outside[-1] if outside else request.ip


def is_https(request: Request) -> bool:
    """TLS to us directly, or to a trusted proxy that says so."""
    if request.scheme == "https":
        return True
    return _trusted(request) and \
        request.headers.get("x-forwarded-proto", "").strip().lower() == "https"
