"""Idempotency-Key: a retried write returns the first answer and changes nothing.

The record is committed in the same transaction as the change itself, so a
key can never be remembered for a change that did not happen (or vice versa).
The service is one process and handlers never await while they hold the
session, so two requests with the same key cannot interleave.

A record names the route by its template (`/crm/v1/customers/<customer_id>/
password-reset`), so `.../password-reset/` is the same route; the path
parameters are part of the request hash instead, so the same key on another
customer is a reused key (422), never a replay of the first customer's answer. Only a hash of the key is
stored: clients build keys from conversation ids, which can be phone numbers.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Callable, Dict, Optional, Tuple

from sanic.request import Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.crm.errors import ApiError
from services.crm.models import IdempotencyRecord

log = logging.getLogger("harbor.crm")

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
# Outcomes worth remembering: the change, or the business answer (404/409/422).
# A 400 is not stored: the client fixes its request and retries with the same key.
STORED_ERRORS = {404, 409, 422}
HASHED = "sha256:"  # prefix of every stored key: rows without it predate hashing


def request_hash(request: Request, params: Dict[str, str]) -> str:
    """Hash of the request's meaning: its path parameters and its body (key
    order and whitespace do not matter)."""
    raw = request.body or b""
    try:
        body = json.dumps(json.loads(raw) if raw.strip() else {}, sort_keys=True)
    except (ValueError, UnicodeDecodeError):
        body = raw.decode("latin-1")
    canonical = json.dumps({"params": params, "body": body}, sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()


def _stored_key(request: Request) -> Optional[str]:
    """The stored form of the request's Idempotency-Key: a hash, never the text."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(400, "invalid_idempotency_key",
                       f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return HASHED + hashlib.sha256(key.encode()).hexdigest()


def forget_raw_keys(db: Session) -> int:
    """Drops records kept before keys were hashed (their keys may hold phone numbers)."""
    result = db.execute(delete(IdempotencyRecord).where(~IdempotencyRecord.key.startswith(HASHED))
                        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def run(db: Session, request: Request, route: str, params: Dict[str, str],
        change: Callable[[], Any], ok_status: int) -> Tuple[int, Any, bool]:
    """Runs `change` once per key and route template; returns (status, body, replayed)."""
    key = _stored_key(request)
    digest = request_hash(request, params)
    if key:
        earlier = db.execute(select(IdempotencyRecord).filter_by(
            key=key, method=request.method, path=route)).scalar_one_or_none()
        if earlier is not None:
            if earlier.request_hash != digest:
                raise ApiError(422, "idempotency_key_reused",
                               "this Idempotency-Key was already used with a different request")
            log.info("%s %s replayed for Idempotency-Key %s...", request.method, route,
                     key[len(HASHED):][:12])
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
        db.add(IdempotencyRecord(key=key, method=request.method, path=route,
                                 request_hash=digest, status=status, body=json.dumps(body)))
    db.commit()
    return status, body, False
