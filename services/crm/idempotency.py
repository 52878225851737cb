"""Idempotency-Key: a retried write returns the first answer and changes nothing.

The record is committed in the same transaction as the change itself, so a
key can never be remembered for a change that did not happen (or vice versa).
The service is one process and handlers never await while they hold the
session, so two requests with the same key cannot interleave.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Callable, Optional, Tuple

from sanic.request import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crm.errors import ApiError
from services.crm.models import IdempotencyRecord

log = logging.getLogger("harbor.crm")

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
# Outcomes worth remembering: the change, or the business answer (404/409/422).
# A 400 is not stored: the client fixes its request and retries with the same key.
STORED_ERRORS = {404, 409, 422}


def request_hash(request: Request) -> str:
    """Hash of the body's meaning: key order and whitespace do not matter."""
    raw = request.body or b""
    try:
        canonical = json.dumps(json.loads(raw) if raw.strip() else {}, sort_keys=True).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = raw
    return hashlib.sha256(canonical).hexdigest()


def _key(request: Request) -> Optional[str]:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(400, "invalid_idempotency_key",
                       f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def run(db: Session, request: Request, change: Callable[[], Any],
        ok_status: int) -> Tuple[int, Any, bool]:
    """Runs `change` once per key; returns (status, body, replayed)."""
    key = _key(request)
    digest = request_hash(request)
    if key:
        earlier = db.execute(select(IdempotencyRecord).filter_by(
            key=key, method=request.method, path=request.path)).scalar_one_or_none()
        if earlier is not None:
            if earlier.request_hash != digest:
                raise ApiError(422, "idempotency_key_reused",
                               "this Idempotency-Key was already used with a different body")
            log.info("%s %s replayed for Idempotency-Key %s", request.method, request.path, key)
            return earlier.status, json.loads(earlier.body), True
    try:
        status, body = ok_status, change()
    except ApiError as exc:
        db.rollback()
        if not key or exc.status not in STORED_ERRORS:
            raise
        log.info("%s %s -> %s %s: %s", request.method, request.path, exc.status, exc.code, exc.message)
        status, body = exc.status, {"error": {"code": exc.code, "message": exc.message}}
    if key:
        db.add(IdempotencyRecord(key=key, method=request.method, path=request.path,
                                 request_hash=digest, status=status, body=json.dumps(body)))
    db.commit()
    return status, body, False
