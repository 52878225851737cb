"""Login, logout, who am I, and supervisors' management of agent accounts."""
from __future__ import annotations

import logging
import re
from typing import Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from services.inbox import auth
from services.inbox.auth import agent_required, supervisor_required
from services.inbox.errors import ApiError
from services.inbox.handoffs import requeue_held
from services.inbox.models import AGENT_STATUSES, LANGUAGES, QUEUES, ROLES, Agent
from services.inbox.routing import hand_back_unanswered, route
from services.inbox.passwords import hash_password, off_loop
from services.inbox.proxy import client_address, is_https
from services.inbox.validate import choice, json_body, require_json, text_field

bp = Blueprint("accounts", url_prefix="/api")
logger = logging.getLogger("inbox.accounts")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _credentials(request: Request):
    require_json(request)
    body = json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(400, "invalid_field", "Send 'email' and 'password' as strings.")
    return email.strip().lower(), password


def _session_response(request: Request, token: str) -> HTTPResponse:
    """The token in the body (API clients) and as an HttpOnly cookie (the page);
    the cookie is Secure whenever the agent reached us over HTTPS."""
    response = json({"token": token})
    response.cookies[auth.SESSION_COOKIE] = token
    cookie = response.cookies[auth.SESSION_COOKIE]
    cookie["httponly"], cookie["samesite"], cookie["path"] = True, "Strict", "/"
    cookie["max-age"] = auth.SESSION_HOURS * 3600
    cookie["secure"] = is_https(request)
    return response


@bp.post("/login")
async def login(request: Request):
    email, password = _credentials(request)
    address, limiter = client_address(request), request.app.ctx.login_limiter
    wait = limiter.start(email, address)
    if wait is not None:
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed logins; try again in {wait} seconds.",
                       headers={"Retry-After": str(wait)})
    token = await auth.login(request.app.ctx.db, email, password)
    if token is None:
        raise ApiError(401, "wrong_credentials", "Wrong email or password.")
    limiter.succeeded(email, address)
    return _session_response(request, token)


@bp.post("/logout")
@agent_required
async def logout(request: Request):
    auth.logout(request.app.ctx.db, auth.request_token(request))
    response = json({"ok": True})
    del response.cookies[auth.SESSION_COOKIE]
    return response


@bp.get("/me")
@agent_required
async def me(request: Request):
    with request.app.ctx.db.session() as s:
        agent = s.get(Agent, request.ctx.agent.id)
        status = agent.status
    return json({**request.ctx.agent.as_dict(), "status": status})


@bp.post("/me/status")
@agent_required
async def set_status(request: Request):
    """Body: {"status": "online"|"away"}. Online: conversations are assigned to
    you; away: the ones you have not answered yet go back to the queue."""
    status = choice(json_body(request).get("status"), "status", AGENT_STATUSES)
    with request.app.ctx.db.session() as s:
        agent = s.get(Agent, request.ctx.agent.id)
        agent.status = status
        handed_back = hand_back_unanswered(s, agent, "went away") if status == "away" else 0
        answer = {**_agent_dict(agent), "handed_back": handed_back}
    logger.info("agent %s is %s (%s handed back)", request.ctx.agent.id, status, handed_back)
    request.app.ctx.notifier.notify()
    await route(request.app)
    return json(answer)


@bp.post("/agents/<agent_id:int>/team")
@supervisor_required
async def set_team(request: Request, agent_id: int):
    """Body: {"team": "returns"}: the queue the agent is assigned from ("general": every queue)."""
    return await _set_routing(request, agent_id, team=choice(json_body(request).get("team"), "team", QUEUES))


@bp.post("/agents/<agent_id:int>/capacity")
@supervisor_required
async def set_capacity(request: Request, agent_id: int):
    """Body: {"capacity": 4}: how many open conversations are assigned to the agent at once."""
    capacity = json_body(request).get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= 50:
        raise ApiError(400, "invalid_field", "'capacity' must be a whole number from 0 to 50.")
    return await _set_routing(request, agent_id, capacity=capacity)


async def _set_routing(request: Request, agent_id: int, **fields) -> HTTPResponse:
    """Changes what routing reads of an agent, then routes again (services/inbox/routing.py)."""
    with request.app.ctx.db.session() as s:
        agent = _agent(s, agent_id)
        for name, value in fields.items():
            setattr(agent, name, value)
        answer = _agent_dict(agent)
    await route(request.app)
    return json(answer)


@bp.get("/agents")
@supervisor_required
async def list_agents(request: Request):
    with request.app.ctx.db.session() as s:
        agents = s.query(Agent).order_by(Agent.name).all()
        return json({"agents": [_agent_dict(a) for a in agents]})


def _agent_dict(agent: Agent) -> dict:
    return {"id": agent.id, "email": agent.email, "name": agent.name, "role": agent.role,
            "team": agent.team, "active": agent.active, "languages": list(agent.language_list),
            "approver": bool(agent.approver), "status": agent.status, "capacity": agent.capacity}


def languages_field(body: dict, default: str = "en") -> str:
    """`languages`: a non-empty list of ISO codes we serve (models.LANGUAGES)."""
    value = body.get("languages")
    if value is None:
        return default
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ApiError(400, "invalid_field", "'languages' must be a non-empty list like [\"en\", \"de\"].")
    codes = [v.strip().lower() for v in value]
    for code in codes:
        choice(code, "languages", LANGUAGES)
    return ",".join(dict.fromkeys(codes))


@bp.post("/agents")
@supervisor_required
async def create_agent(request: Request):
    body = json_body(request)
    email = text_field(body, "email", 255).lower()
    if not EMAIL.match(email):
        raise ApiError(400, "invalid_field", "'email' is not an email address.")
    password = text_field(body, "password", 200)
    if len(password) < 8:
        raise ApiError(400, "invalid_field", "'password' needs at least 8 characters.")
    password_hash = await off_loop(hash_password, password)
    agent = Agent(email=email, name=text_field(body, "name", 255), password_hash=password_hash,
                  role=choice(body.get("role"), "role", ROLES, default="agent"),
                  team=choice(body.get("team"), "team", QUEUES, default="general"),
                  languages=languages_field(body), approver=_approver_field(body, default=False))
    with request.app.ctx.db.session() as s:
        if s.query(Agent.id).filter(Agent.email == email).first():
            raise ApiError(409, "email_taken", f"There is already an agent {email}.")
        s.add(agent)
        s.flush()
        return json(_agent_dict(agent), status=201)


@bp.post("/agents/<agent_id:int>/deactivate")
@supervisor_required
async def deactivate_agent(request: Request, agent_id: int):
    """No more logins, every session and token ends now, held conversations go back
    to the queue so no customer waits on someone who left."""
    if agent_id == request.ctx.agent.id:
        raise ApiError(409, "cannot_deactivate_self", "Ask another supervisor to do this.")
    with request.app.ctx.db.session() as s:
        agent = _agent(s, agent_id)
        agent.active = False
        revoked = auth.revoke_sessions(s, agent_id)
        requeued = requeue_held(s, agent, request.ctx.agent)
        answer = {**_agent_dict(agent), "sessions_revoked": revoked,
                  "handoffs_requeued": requeued}
    logger.info("supervisor %s deactivated agent %s (%s sessions revoked, %s handoffs requeued)",
                request.ctx.agent.id, agent_id, revoked, requeued)
    request.app.ctx.notifier.notify()
    return json(answer)


@bp.post("/agents/<agent_id:int>/activate")
@supervisor_required
async def activate_agent(request: Request, agent_id: int):
    with request.app.ctx.db.session() as s:
        agent = _agent(s, agent_id)
        agent.active = True
        answer = _agent_dict(agent)
    logger.info("supervisor %s reactivated agent %s", request.ctx.agent.id, agent_id)
    return json(answer)


@bp.post("/agents/<agent_id:int>/languages")
@supervisor_required
async def set_languages(request: Request, agent_id: int):
    """Body: {"languages": ["en", "de"]}: the languages the agent answers customers in."""
    languages = languages_field(json_body(request), default=None)
    if languages is None:
        raise ApiError(400, "invalid_field", "'languages' is required.")
    answer = _update_agent(request, agent_id, languages=languages)
    logger.info("supervisor %s set agent %s's languages to %s", request.ctx.agent.id, agent_id, languages)
    return json(answer)


def _approver_field(body: dict, default: Optional[bool] = None) -> Optional[bool]:
    value = body.get("approver", default)
    if value is not None and not isinstance(value, bool):
        raise ApiError(400, "invalid_field", "'approver' must be true or false.")
    return value


@bp.post("/agents/<agent_id:int>/approver")
@supervisor_required
async def set_approver(request: Request, agent_id: int):
    """Body: {"approver": true}: the agent may approve high-risk actions (refunds over $500)."""
    approver = _approver_field(json_body(request))
    if approver is None:
        raise ApiError(400, "invalid_field", "'approver' is required.")
    answer = _update_agent(request, agent_id, approver=approver)
    logger.info("supervisor %s set agent %s approver=%s", request.ctx.agent.id, agent_id, approver)
    return json(answer)


def _update_agent(request: Request, agent_id: int, **fields) -> dict:
    """Sets a supervisor-managed field of an agent; the agent as the API shows it."""
    with request.app.ctx.db.session() as s:
        agent = _agent(s, agent_id)
        for name, value in fields.items():
            setattr(agent, name, value)
        return _agent_dict(agent)


def _agent(s, agent_id: int) -> Agent:
    agent = s.get(Agent, agent_id)
    if agent is None:
        raise ApiError(404, "agent_not_found", f"No agent {agent_id}.")
    return agent
