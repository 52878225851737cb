"""Who is calling: agents by session (cookie or bearer), the bot by service token."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Optional

from sanic.request import Request

from services.inbox.errors import ApiError
from services.inbox.models import Agent, AuthSession, utcnow
from services.inbox.passwords import DUMMY_HASH, off_loop, verify_password
from services.inbox.validate import require_json

SESSION_COOKIE = "inbox_session"
SESSION_HOURS = 12


@dataclass(frozen=True)
class CurrentAgent:
    id: int
    email: str
    name: str
    role: str
    team: str
    languages: tuple = ("en",)
    approver: bool = False

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def may_approve(self) -> bool:
        return self.is_supervisor or self.approver

    def as_dict(self) -> dict:
        return {"id": self.id, "email": self.email, "name": self.name,
                "role": self.role, "team": self.team, "languages": list(self.languages),
                "may_approve": self.may_approve}

    @classmethod
    def of(cls, agent: Agent) -> "CurrentAgent":
        return cls(agent.id, agent.email, agent.name, agent.role, agent.team, agent.language_list,
                   bool(agent.approver))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _account(db, email: str) -> Optional[Agent]:
    with db.session() as s:
        return s.query(Agent).filter(Agent.email == email.strip().lower()).one_or_none()


async def login(db, email: str, password: str) -> Optional[str]:
    """Returns a new session token, or None for a wrong email or password.

    scrypt runs in a small thread pool: on the event loop, a burst of guesses
    would stall every other request (health checks, long-polls, replies)."""
    agent = _account(db, email)
    right = await off_loop(verify_password, password,
                           agent.password_hash if agent else DUMMY_HASH)
    if not right or agent is None:
        return None
    if not agent.active:
        raise ApiError(403, "account_deactivated", "This account was deactivated by a supervisor.")
    token = secrets.token_urlsafe(32)
    with db.session() as s:
        s.add(AuthSession(token_hash=_digest(token), agent_id=agent.id,
                          expires_at=utcnow() + dt.timedelta(hours=SESSION_HOURS)))
    return token


def revoke_sessions(s, agent_id: int) -> int:
    """Ends every session of the agent at once (deactivation); returns how many."""
    return s.query(AuthSession).filter(AuthSession.agent_id == agent_id).delete()


def logout(db, token: str) -> None:
    with db.session() as s:
        s.query(AuthSession).filter(AuthSession.token_hash == _digest(token)).delete()


def bearer(request: Request) -> Optional[str]:
    header = request.headers.get("authorization", "")
    return header[7:].strip() or None if header.lower().startswith("bearer ") else None


def request_token(request: Request) -> Optional[str]:
    return bearer(request) or request.cookies.get(SESSION_COOKIE) or None


def _check_cookie_post(request: Request) -> None:
    """Besides SameSite=Strict: a cross-site HTML form cannot send application/json."""
    if request.method not in ("GET", "HEAD") and not bearer(request):
        require_json(request)


def current_agent(request: Request) -> CurrentAgent:
    token = request_token(request)
    if not token:
        raise ApiError(401, "unauthorized", "Log in first (session cookie or Bearer token).")
    _check_cookie_post(request)
    with request.app.ctx.db.session() as s:
        row = s.query(AuthSession).filter(AuthSession.token_hash == _digest(token)).one_or_none()
        if row is None or row.expires_at < utcnow() or not row.agent.active:
            raise ApiError(401, "unauthorized", "Session unknown or expired; log in again.")
        return CurrentAgent.of(row.agent)


def agent_required(handler):
    """Route decorator: sets request.ctx.agent or answers 401."""
    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        request.ctx.agent = current_agent(request)
        return await handler(request, *args, **kwargs)
    return wrapper


def _allowed_if(test, refusal: str):
    """Route decorator factory: sets request.ctx.agent; 403 unless test(agent)."""
    def decorator(handler):
        @functools.wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            agent = current_agent(request)
            if not test(agent):
                raise ApiError(403, "forbidden", refusal)
            request.ctx.agent = agent
            return await handler(request, *args, **kwargs)
        return wrapper
    return decorator


supervisor_required = _allowed_if(lambda agent: agent.is_supervisor, "Only supervisors can do this.")
# Supervisors, and agents a supervisor made approver (services/inbox/approvals.py).
approver_required = _allowed_if(lambda agent: agent.may_approve,
                                "Only supervisors and approvers can do this.")


def service_required(handler):
    """Route decorator for the bot's internal API (bearer INBOX_SERVICE_TOKEN)."""
    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        expected = request.app.ctx.config.service_token
        given = bearer(request)
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(401, "unauthorized", "Missing or wrong service token.")
        return await handler(request, *args, **kwargs)
    return wrapper
