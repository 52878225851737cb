"""`python -m services.crm [--reset]`: the demo CRM/billing service on DEMO_PORT."""
from __future__ import annotations

import argparse
import logging
import os

from scripts.harbor_env import prepare
from services.crm import db
from services.crm.app import create_app

log = logging.getLogger("harbor.crm")


def _log_to_stderr() -> None:
    """Our own handler: Sanic configures its loggers, and a root handler would
    print each of its lines twice."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _link_secret(env) -> str:
    """Invoice links are only as good as this secret: no default, no start without it."""
    secret = (env.get("INVOICE_LINK_SECRET") or "").strip()
    if not secret:
        raise SystemExit("harbor crm: INVOICE_LINK_SECRET is not set (see .env.example)")
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.crm", description=__doc__)
    parser.add_argument("--reset", action="store_true", help="drop everything and reload the demo data")
    args = parser.parse_args()
    _log_to_stderr()
    from addons.privacy.logging_setup import install_from_env
    install_from_env()  # request paths and error messages can carry emails and phone numbers
    prepare("crm")  # production: refuses development or missing tokens

    env = os.environ
    db_url = env.get("DEMO_DB_URL") or "sqlite:///var/demo_crm.db"
    if args.reset:
        db.init_db(db.make_engine(db_url), reset=True)
    app = create_app(db_url, env["CRM_API_TOKEN"], env["BILLING_API_TOKEN"],
                     admin_token=env.get("CRM_ADMIN_TOKEN", ""), link_secret=_link_secret(env))
    if not env.get("CRM_ADMIN_TOKEN"):
        log.warning("CRM_ADMIN_TOKEN is not set: /admin/outbox refuses every request")
    host, port = env.get("DEMO_HOST") or "127.0.0.1", int(env.get("DEMO_PORT") or 8090)
    log.info("demo CRM/billing on http://%s:%s (crm: /crm/v1, billing: /billing/v1)", host, port)
    # One process, no reloader: the idempotency guarantees assume a single worker.
    app.run(host=host, port=port, workers=1, auto_reload=False, access_log=False, motd=False)


if __name__ == "__main__":
    main()
