"""The agent page (plain HTML/JS/CSS, no build step) and the health check."""
from __future__ import annotations

from pathlib import Path

from sanic import Blueprint
from sanic.request import Request
from sanic.response import file, json

STATIC = Path(__file__).resolve().parents[1] / "static"
bp = Blueprint("pages")
bp.static("/static", str(STATIC), name="static")

# The page loads nothing from elsewhere; say so to the browser.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@bp.get("/")
async def index(request: Request):
    return await file(STATIC / "index.html", headers={"Content-Security-Policy": CSP,
                                                      "Cache-Control": "no-cache"})


@bp.get("/health")
async def health(request: Request):
    """503 when the broker reader is dead or stuck, so a probe restarts the inbox."""
    report = request.app.ctx.reader.health(request.app.ctx.reader_task)
    healthy = report["event_broker"] not in ("dead", "stuck")
    return json({"status": "ok" if healthy else "unhealthy", **report},
                status=200 if healthy else 503)
