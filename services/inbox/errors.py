"""One error shape for every 4xx/5xx: {"error": {"code", "message"}}, and a log line."""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, json

logger = logging.getLogger("inbox.http")


class ApiError(Exception):
    """`extra` adds fields next to code and message; `headers` (e.g. Retry-After) go out too."""

    def __init__(self, status: int, code: str, message: str,
                 extra: Optional[Dict[str, Any]] = None,
                 headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.extra, self.headers = extra or {}, headers or {}


def error_response(status: int, code: str, message: str, extra: Optional[Dict[str, Any]] = None,
                   headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return json({"error": {"code": code, "message": message, **(extra or {})}}, status=status,
                headers=headers)


def _on_api_error(request: Request, exc: ApiError) -> HTTPResponse:
    logger.warning("%s %s -> %s %s: %s", request.method, request.path, exc.status,
                   exc.code, exc.message)
    return error_response(exc.status, exc.code, exc.message, exc.extra, exc.headers)


def _on_sanic_error(request: Request, exc: SanicException) -> HTTPResponse:
    status = getattr(exc, "status_code", 500) or 500
    code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
            413: "payload_too_large"}.get(status, "error")
    logger.warning("%s %s -> %s %s: %s", request.method, request.path, status, code, exc)
    return error_response(status, code, str(exc) or code)


def _on_unexpected(request: Request, exc: Exception) -> HTTPResponse:
    logger.exception("%s %s -> 500", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong; see the inbox log.")


def register(app: Sanic) -> None:
    app.error_handler.add(ApiError, _on_api_error)
    app.error_handler.add(SanicException, _on_sanic_error)
    app.error_handler.add(Exception, _on_unexpected)
