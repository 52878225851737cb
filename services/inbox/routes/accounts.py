"""Login, logout, who am I, and supervisors' management of agent accounts."""
from __future__ import annotations

import re

from sanic import Blueprint
from sanic.request import Request
from sanic.response import json

from services.inbox import auth
from services.inbox.auth import agent_required, supervisor_required
from services.inbox.errors import ApiError
from services.inbox.models import QUEUES, ROLES, Agent
from services.inbox.passwords import hash_password
from services.inbox.validate import choice, json_body, text_field

bp = Blueprint("accounts", url_prefix="/api")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@bp.post("/login")
async def login(request: Request):
    body = json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(400, "invalid_field", "Send 'email' and 'password' as strings.")
    token = auth.login(request.app.ctx.db, email, password)
    if token is None:
        raise ApiError(401, "wrong_credentials", "Wrong email or password.")
    response = json({"token": token})
    response.cookies[auth.SESSION_COOKIE] = token
    cookie = response.cookies[auth.SESSION_COOKIE]
    cookie["httponly"], cookie["samesite"], cookie["path"] = True, "Strict", "/"
    cookie["max-age"] = auth.SESSION_HOURS * 3600
    return response


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
    return json(request.ctx.agent.as_dict())


@bp.get("/agents")
@supervisor_required
async def list_agents(request: Request):
    with request.app.ctx.db.session() as s:
        agents = s.query(Agent).order_by(Agent.name).all()
        return json({"agents": [{"id": a.id, "email": a.email, "name": a.name,
                                 "role": a.role, "team": a.team} for a in agents]})


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
    agent = Agent(email=email, name=text_field(body, "name", 255), password_hash=hash_password(password),
                  role=choice(body.get("role"), "role", ROLES, default="agent"),
                  team=choice(body.get("team"), "team", QUEUES, default="general"))
    with request.app.ctx.db.session() as s:
        if s.query(Agent.id).filter(Agent.email == email).first():
            raise ApiError(409, "email_taken", f"There is already an agent {email}.")
        s.add(agent)
        s.flush()
        return json({"id": agent.id, "email": agent.email, "name": agent.name,
                     "role": agent.role, "team": agent.team}, status=201)
