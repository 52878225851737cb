"""App factory: one Sanic app serving the CRM and billing APIs on two prefixes."""
from __future__ import annotations

import uuid
from typing import List

from sanic import Sanic

from services.crm import db, errors, openapi, routing
from services.crm import routes_billing, routes_crm, routes_public, routes_returns, routes_subscriptions
from services.crm import routes_verification
from services.crm.routing import Api, Route

MAX_BODY_BYTES = 1024 * 1024


def apis(crm_token: str, billing_token: str, admin_token: str, openapi_route: Route) -> List[Api]:
    return [
        Api("crm", "/crm/v1", routes_crm.ROUTES + routes_returns.ROUTES + routes_verification.ROUTES,
            (crm_token,),
            "CRM_API_TOKEN"),
        Api("billing", "/billing/v1", routes_billing.ROUTES + routes_subscriptions.ROUTES,
            (billing_token,), "BILLING_API_TOKEN"),
        # Its own token: the outbox shows password-reset links.
        Api("admin", "/admin", routes_public.ADMIN_ROUTES, (admin_token,), "CRM_ADMIN_TOKEN"),
        Api("public", "", routes_public.PUBLIC_ROUTES + [openapi_route]),
    ]


def create_app(db_url: str, crm_token: str, billing_token: str, *, admin_token: str,
               link_secret: str) -> Sanic:
    """Builds the app; creates the schema and loads the seed into an empty database.
    `link_secret` signs document links (links.py)."""
    # A unique name per instance: Sanic keeps a registry of apps by name.
    app = Sanic(f"harbor_demo_crm_{uuid.uuid4().hex[:12]}")
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    engine = db.make_engine(db_url)
    db.init_db(engine)
    app.ctx.engine = engine
    app.ctx.link_secret = link_secret
    sessions = db.make_sessions(engine)

    spec: dict = {}
    openapi_route = Route("GET", "/openapi.json", lambda call: spec, "This description")
    table = apis(crm_token, billing_token, admin_token, openapi_route)
    spec.update(openapi.document(table))
    routing.register(app, table, sessions)
    errors.install(app)

    @app.after_server_stop
    async def dispose(app: Sanic, _loop) -> None:
        engine.dispose()

    return app
