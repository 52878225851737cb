"""Proving who a customer is (CRM API, docs/security.md).

Two levels:
- one order: its number plus the email on it (`POST /orders/{id}/ownership-check`);
- the account: a six-digit one-time code sent to the email on file
  (`POST /customers/{id}/verification-codes`, then `.../check`).

Failed attempts are counted per order and per customer in this database, not
in the conversation, so a restart or a new conversation id does not reset
them. After VERIFICATION_MAX_FAILURES failures the subject is locked for
VERIFICATION_LOCK_MINUTES, or until an agent unlocks it. Checks answer 200
with `verified: false` and a reason instead of an error, so that the failed
attempt is committed together with the answer.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from datetime import datetime, timedelta
from typing import Iterable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crm import outbox, store, validation as v
from services.crm.errors import ApiError
from services.crm.models import Customer, Order, VerificationCode, VerificationFailure
from services.crm.routing import Call, Route

log = logging.getLogger("harbor.crm")

CODE_DIGITS = 6
TRIES_PER_CODE = 3
CHECK_BODY = {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}
EMAIL_BODY = {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]}
UNLOCK_BODY = {"type": "object", "properties": {"customer_id": {"type": "string"},
                                                "order_id": {"type": "string"}}}


def _setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def max_failures() -> int:
    return int(_setting("VERIFICATION_MAX_FAILURES", 3))


def lock_minutes() -> float:
    return _setting("VERIFICATION_LOCK_MINUTES", 30)


def code_minutes() -> float:
    return _setting("VERIFICATION_CODE_MINUTES", 10)


def _now() -> datetime:
    return datetime.utcnow()


# -- failures and locks -------------------------------------------------------

def _failure(db: Session, subject: str) -> VerificationFailure:
    row = db.get(VerificationFailure, subject)
    if row is None:
        row = VerificationFailure(subject=subject, failures=0)
        db.add(row)
    return row


def locked_until(db: Session, subjects: Iterable[str]) -> Optional[datetime]:
    """The latest lock still in force on any of the subjects, if any."""
    now = _now()
    found = [row.locked_until for row in (db.get(VerificationFailure, s) for s in subjects)
             if row is not None and row.locked_until and row.locked_until > now]
    return max(found) if found else None


def _fail(db: Session, subjects: List[str]) -> int:
    """Counts one failure on each subject; locks those that reached the limit.
    Returns how many attempts are left before a lock."""
    left = max_failures()
    for subject in subjects:
        row = _failure(db, subject)
        row.failures += 1
        if row.failures >= max_failures():
            row.failures, row.locked_until = 0, _now() + timedelta(minutes=lock_minutes())
            log.warning("verification locked for %s after %d failures", subject, max_failures())
            left = 0
        else:
            left = min(left, max_failures() - row.failures)
    return left


def _succeed(db: Session, subjects: List[str]) -> None:
    for subject in subjects:
        row = db.get(VerificationFailure, subject)
        if row is not None:
            row.failures, row.locked_until = 0, None


def _locked_answer(until: datetime) -> dict:
    return {"verified": False, "reason": "locked",
            "locked_until": until.isoformat(timespec="seconds") + "Z", "attempts_left": 0}


# -- one order: number + email -----------------------------------------------

def check_order_owner(call: Call, order_id: str) -> dict:
    """Whether `email` is the email of the customer who placed the order."""
    email = v.text(v.json_body(call.request), "email", max_len=254)
    order = store.get(call.db, Order, order_id, "order")
    customer = store.get(call.db, Customer, order.customer_id, "customer")
    subjects = [f"order:{order.id}", f"customer:{customer.id}"]
    until = locked_until(call.db, subjects)
    if until:
        return _locked_answer(until)
    if hmac.compare_digest(customer.email_key.encode(), email.strip().lower().encode()):
        _succeed(call.db, subjects)
        return {"verified": True, "customer_id": customer.id}
    left = _fail(call.db, subjects)
    if left == 0:
        return _locked_answer(locked_until(call.db, subjects) or _now())
    return {"verified": False, "reason": "email_mismatch", "attempts_left": left}


# -- the account: one-time code ----------------------------------------------

def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def send_code(call: Call, customer_id: str) -> dict:
    """Emails a new six-digit code to the email on file; earlier codes stop working."""
    data = v.json_body(call.request)
    via = data.get("via", "email")
    if via != "email":
        raise ApiError(400, "invalid_field", "via: the demo CRM sends codes by email only")
    customer = store.get(call.db, Customer, customer_id, "customer")
    until = locked_until(call.db, [f"customer:{customer.id}"])
    if until:
        raise ApiError(429, "verification_locked",
                       f"too many failed attempts; try again after {until.isoformat(timespec='minutes')}Z")
    for old in call.db.execute(select(VerificationCode).filter_by(
            customer_id=customer.id, spent=False)).scalars():
        old.spent = True
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(8)
    minutes = code_minutes()
    call.db.add(VerificationCode(customer_id=customer.id, salt=salt, code_hash=_hash(salt, code),
                                 expires_at=_now() + timedelta(minutes=minutes), tries=0))
    outbox.send(call.db, customer.email, "verification_code", "Your Harbor Goods verification code",
                f"Your verification code is {code}. It is valid for {minutes:g} minutes. "
                "Nobody from Harbor Goods will ever ask you to read it out; if you did not "
                "ask for it, ignore this email.")
    return {"sent_to": customer.email, "via": "email", "expires_in_minutes": minutes}


def check_code(call: Call, customer_id: str) -> dict:
    """Whether `code` is the customer's current one-time code (each code works once)."""
    code = v.text(v.json_body(call.request), "code", max_len=32).strip()
    customer = store.get(call.db, Customer, customer_id, "customer")
    subjects = [f"customer:{customer.id}"]
    until = locked_until(call.db, subjects)
    if until:
        return _locked_answer(until)
    current = call.db.execute(select(VerificationCode).filter_by(
        customer_id=customer.id, spent=False).order_by(VerificationCode.id.desc())).scalars().first()
    if current is None:
        return {"verified": False, "reason": "no_code"}
    if current.expires_at <= _now():
        current.spent = True
        return {"verified": False, "reason": "expired"}
    if hmac.compare_digest(current.code_hash, _hash(current.salt, code)):
        current.spent = True
        _succeed(call.db, subjects)
        return {"verified": True, "customer_id": customer.id}
    current.tries += 1
    if current.tries >= TRIES_PER_CODE:
        current.spent = True
    left = _fail(call.db, subjects)
    if left == 0:
        return _locked_answer(locked_until(call.db, subjects) or _now())
    return {"verified": False, "reason": "wrong_code", "attempts_left": left}


def unlock(call: Call) -> dict:
    """Ends a lockout early (an agent who checked the customer another way)."""
    data = v.json_body(call.request)
    subjects = [f"{kind}:{data[f'{kind}_id']}" for kind in ("customer", "order")
                if isinstance(data.get(f"{kind}_id"), str) and data.get(f"{kind}_id")]
    if not subjects:
        raise ApiError(400, "missing_field", "customer_id or order_id is required")
    for subject in subjects:
        row = call.db.get(VerificationFailure, subject)
        if row is not None:
            call.db.delete(row)
    log.info("verification unlocked for %s", ", ".join(subjects))
    return {"unlocked": subjects}


ROUTES = [
    Route("POST", "/orders/<order_id>/ownership-check", check_order_owner,
          "Check that an email is the one on the order (counts failures, locks after too many)",
          body=EMAIL_BODY),
    Route("POST", "/customers/<customer_id>/verification-codes", send_code,
          "Send a six-digit one-time code to the email on file", status=201,
          errors=("verification_locked",)),
    Route("POST", "/customers/<customer_id>/verification-codes/check", check_code,
          "Check a one-time code (3 tries per code; locks after too many failures)", body=CHECK_BODY),
    Route("POST", "/verification/unlock", unlock,
          "End a verification lockout for a customer or an order (agents)", body=UNLOCK_BODY),
]
