"""`python -m actions.server`: the action server, answering only Rasa.

rasa_sdk's own server (`rasa run actions`) executes any tracker anyone posts
to /webhook, so a forged tracker ("customer_verified": true) could read any
customer's orders. This launcher serves the same app, bound to ACTION_HOST
(loopback by default), and answers every call but /health only when it
carries `Authorization: Bearer <ACTION_SERVER_TOKEN>` (endpoints.yml makes
Rasa send it).
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import List, Optional

from sanic import Sanic, response
from sanic.request import Request

from scripts.harbor_env import prepare

log = logging.getLogger("harbor.actions.server")
OPEN_PATHS = {"/health"}  # probes carry no secret and learn nothing


def authorized(header: str, token: str) -> bool:
    """True for `Bearer <token>`; constant-time, so timing reveals nothing."""
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def require_token(app: Sanic, token: str) -> None:
    """Answers 401 (and logs who asked) to any call without the shared secret."""

    @app.on_request
    async def check_token(request: Request):
        if request.path in OPEN_PATHS or authorized(request.headers.get("Authorization", ""), token):
            return None
        log.warning("refused %s %s from %s: missing or wrong action server token",
                    request.method, request.path, request.ip)
        return response.json({"error": "unauthorized"}, status=401)


def answer_in_conversation_language(app: Sanic) -> None:
    """Every action answers in the conversation's language (actions/shared/language.py):
    set once here from the tracker Rasa posts, for the whole call."""
    from actions.shared import language

    @app.on_request
    async def set_language(request: Request):
        if request.method == "POST" and request.path == "/webhook":
            try:
                body = request.json or {}
            except Exception:  # a malformed body: rasa_sdk's handler answers it
                return None
            language.current.set(language.of_tracker(body.get("tracker")))
        return None


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    """rasa_sdk's own arguments, plus --host; defaults from the environment."""
    from rasa_sdk.endpoint import create_argument_parser

    parser = create_argument_parser()
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST") or "127.0.0.1",
                        help="interface to listen on (ACTION_HOST; 0.0.0.0 only inside a pod)")
    # rasa_sdk spells it --logging-config_file; `rasa run actions` as below.
    parser.add_argument("--logging-config-file", dest="logging_config_file", default=None,
                        help="YAML logging configuration (addons/privacy/logging.yml)")
    parser.set_defaults(actions="actions", port=int(os.environ.get("ACTION_PORT") or 5055))
    return parser.parse_args(argv)


def configure_logging(args: argparse.Namespace) -> None:
    """As `rasa run actions` does (logging.yml masks personal data)."""
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME

    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
                                 args.log_file, args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()


def main(argv: Optional[List[str]] = None) -> None:
    prepare("actions")
    token = os.environ.get("ACTION_SERVER_TOKEN", "").strip()
    if not token:
        raise SystemExit("actions: ACTION_SERVER_TOKEN is empty; the action server never runs open")
    args = parse_args(argv)
    configure_logging(args)
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app, create_ssl_context
    from rasa_sdk.plugin import plugin_manager

    # No CORS unless asked for: browsers have no business calling actions.
    app = create_app(args.actions, cors_origins=args.cors or "", auto_reload=args.auto_reload)
    require_token(app, token)
    answer_in_conversation_language(app)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    log.info("action server on %s://%s:%s (token required)", "https" if ssl else "http",
             args.host, args.port)
    app.run(args.host, args.port, ssl=ssl, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
