"""The route table: one list of Route per API, used both to register the
handlers and to write /openapi.json, so the description cannot drift."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session, sessionmaker

from services.crm import auth, idempotency


@dataclass
class Call:
    """What a handler gets besides its path parameters."""

    request: Request
    db: Session

    @property
    def base_url(self) -> str:
        return f"{self.request.scheme}://{self.request.host}"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # Sanic syntax, relative to the API prefix: /orders/<order_id>
    handler: Callable[..., Any]  # (call, **path_params) -> JSON-ready dict or HTTPResponse
    summary: str
    status: int = 200
    body: Optional[Dict[str, Any]] = None  # JSON schema of the request body
    query: Tuple[str, ...] = ()
    errors: Tuple[str, ...] = ()  # the rule/state error codes it can answer

    @property
    def changes_state(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")


@dataclass(frozen=True)
class Api:
    name: str
    prefix: str
    routes: Sequence[Route]
    tokens: Tuple[str, ...] = ()  # empty: no auth
    description: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)


def json_response(body: Any, status: int) -> HTTPResponse:
    return HTTPResponse(json.dumps(body), status=status, content_type="application/json")


def _endpoint(api: Api, route: Route, sessions: sessionmaker) -> Callable:
    async def endpoint(request: Request, **params: str) -> HTTPResponse:
        if api.tokens:
            auth.check(request, api.tokens)
        with sessions() as db:
            call = Call(request, db)
            if not route.changes_state:
                result = route.handler(call, **params)
                return result if isinstance(result, HTTPResponse) else json_response(result, route.status)
            status, body, replayed = idempotency.run(
                db, request, api.prefix + route.path, params,
                lambda: route.handler(call, **params), route.status)
            response = json_response(body, status)
            if replayed:
                response.headers["Idempotent-Replayed"] = "true"
            return response
    return endpoint


def register(app: Sanic, apis: List[Api], sessions: sessionmaker) -> None:
    for api in apis:
        for route in api.routes:
            name = f"{api.name}_{route.method}_{route.path}".lower()
            name = "".join(ch if ch.isalnum() else "_" for ch in name)
            app.add_route(_endpoint(api, route, sessions), api.prefix + route.path,
                          methods=[route.method], name=name, strict_slashes=False)
