"""App factory: wires config, database, Rasa client, broker reader and routes."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from sanic import Sanic

from services.inbox import errors
from services.inbox.broker_reader import BrokerReader
from services.inbox.config import Config
from services.inbox.db import Database
from services.inbox.login_limits import LoginLimiter
from services.inbox.notify import Notifier
from services.inbox.rasa_client import RasaClient
from services.inbox.routing import route
from services.inbox.routes import (accounts, analytics, approvals, handoffs, internal, pages,
                                   queues, review, verification)
from services.inbox.seed import ensure_demo_agents

logger = logging.getLogger("inbox")


async def routing_loop(app: Sanic) -> None:
    """SLA breaches and assignments that time alone brings (services/inbox/routing.py)."""
    while True:
        try:
            await route(app)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed pass must not stop routing for good
            logger.exception("routing pass failed")
        await asyncio.sleep(app.ctx.config.routing_seconds)


def create_app(config: Optional[Config] = None, name: str = "harbor_inbox") -> Sanic:
    config = config or Config.from_env()
    app = Sanic(name)
    # Long-polls and the broker task must not hold a shutdown for long.
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 2
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.ctx.config = config
    app.ctx.db = Database(config.db_url)
    app.ctx.login_limiter = LoginLimiter(config.login_failures_per_account,
                                         config.login_failures_per_address,
                                         config.login_window_seconds)
    ensure_demo_agents(app.ctx.db, config)
    errors.register(app)
    for module in (pages, accounts, internal, handoffs, queues, analytics, verification, approvals,
                   review):
        app.blueprint(module.bp)

    @app.after_server_start
    async def start_background(app: Sanic, _loop) -> None:
        app.ctx.notifier = Notifier()
        app.ctx.rasa = RasaClient(config.rasa_url, config.rasa_token, config.rasa_timeout)
        app.ctx.reader = BrokerReader(app.ctx.db, config.event_db_url, config.poll_seconds,
                                      app.ctx.notifier, stall_seconds=config.reader_stall_seconds)
        app.ctx.reader_task = asyncio.create_task(app.ctx.reader.run())
        app.ctx.routing_lock = asyncio.Lock()
        app.ctx.routing_task = asyncio.create_task(routing_loop(app))
        logger.info("inbox on http://%s:%s, reading events from %s", config.host, config.port,
                    config.event_db_url)

    @app.before_server_stop
    async def stop_background(app: Sanic, _loop) -> None:
        app.ctx.reader_task.cancel()
        app.ctx.routing_task.cancel()
        await app.ctx.rasa.close()

    return app
