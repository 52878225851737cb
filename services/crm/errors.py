"""One JSON error shape for everything: {"error": {"code", "message"}}.

Handlers raise ApiError; Sanic's own errors (unknown route, body too large)
and unexpected exceptions are turned into the same shape, so a client never
sees an HTML page or a stack trace.
"""
from __future__ import annotations

import json
import logging

from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger("harbor.crm")

SANIC_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               400: "bad_request", 408: "request_timeout"}


# The business error codes and their statuses (documented in /openapi.json).
BUSINESS_CODES = {
    "email_taken": 409, "deletion_already_requested": 409, "order_already_shipped": 409,
    "order_already_cancelled": 409, "already_received": 409, "already_refunded": 409,
    "not_pending_approval": 409, "already_cancelled": 409, "already_paused": 409,
    "invalid_link": 403, "link_expired": 403,
    "not_delivered": 422, "return_window_expired": 422, "final_sale": 422,
    "already_returned": 422, "not_a_duplicate": 422, "payment_not_on_order": 422,
    "amount_mismatch": 422, "amount_exceeds_paid": 422, "pause_too_long": 422,
    "idempotency_key_reused": 422, "unknown_item": 400, "verification_locked": 429,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, f"{kind}_not_found", f"no {kind} with id {ident!r}")


def invalid_field(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_field", f"{field}: {message}")


def missing_field(field: str) -> ApiError:
    return ApiError(400, "missing_field", f"{field}: required")


def error_response(status: int, code: str, message: str) -> HTTPResponse:
    body = json.dumps({"error": {"code": code, "message": message}})
    return HTTPResponse(body, status=status, content_type="application/json")


def handle_exception(request: Request, exc: Exception) -> HTTPResponse:
    where = f"{request.method} {request.path}" if request else "-"
    if isinstance(exc, ApiError):
        log.info("%s -> %s %s: %s", where, exc.status, exc.code, exc.message)
        return error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, SanicException) and 400 <= exc.status_code < 500:
        code = SANIC_CODES.get(exc.status_code, "bad_request")
        log.info("%s -> %s %s: %s", where, exc.status_code, code, exc)
        return error_response(exc.status_code, code, str(exc))
    log.exception("%s -> 500: unexpected error", where)
    return error_response(500, "internal_error", "unexpected error; see the service log")


def install(app: Sanic) -> None:
    app.error_handler.add(Exception, handle_exception)
