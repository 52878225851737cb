"""Inbox settings, read once from the environment (see docs/inbox.md)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from scripts.harbor_env import is_production

# Secrets have no built-in value: the environment provides them
# (scripts/harbor_env.py fills development values from .env.example).
REQUIRED = ("INBOX_SERVICE_TOKEN", "RASA_AUTH_TOKEN")
DEFAULT_DB_URL = "sqlite:///var/inbox.db"


class ConfigError(Exception):
    """A setting the inbox cannot start without is missing or malformed."""


def _required(env: Mapping[str, str]) -> None:
    missing = [name for name in REQUIRED if not (env.get(name) or "").strip()]
    if missing:
        raise ConfigError(f"set {', '.join(missing)} (see .env.example); the inbox has no "
                          "built-in secrets")


def _addresses(raw: Optional[str]) -> Tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def _event_db_default(env: Mapping[str, str]) -> str:
    # Rasa's endpoints.yml names the broker's SQLite file by path
    # (EVENT_BROKER_DB); follow it so both sides read the same file.
    path = env.get("EVENT_BROKER_DB") or "var/events.db"
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Config:
    host: str
    port: int
    db_url: str
    service_token: str
    demo_email: str
    demo_password: str
    demo_supervisor_email: str
    demo_supervisor_password: str
    production: bool
    rasa_url: str
    rasa_token: str
    rasa_timeout: float
    event_db_url: str
    poll_seconds: float
    login_failures_per_account: int
    login_failures_per_address: int
    login_window_seconds: float
    trusted_proxies: Tuple[str, ...]
    reader_stall_seconds: float
    # The CRM, only to end verification lockouts; empty: that one endpoint answers 503.
    crm_url: str = ""
    crm_token: str = ""
    crm_timeout: float = 5.0
    # Routing (services/inbox/routing.py): first-response targets by priority,
    # how many open conversations an agent holds by default, how often to check.
    sla_high_seconds: float = 300.0
    sla_normal_seconds: float = 1800.0
    agent_capacity: int = 3
    routing_seconds: float = 1.0
    # The review loop lists messages whose top intent scored under this.
    review_threshold: float = 0.75
    # Billing, to carry out approved refunds (services/inbox/approvals.py).
    billing_url: str = ""
    billing_token: str = ""

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Config":
        env = os.environ if env is None else env
        get = env.get
        _required(env)
        return cls(
            host=get("INBOX_HOST", "127.0.0.1"),
            port=int(get("INBOX_PORT", "8080")),
            db_url=get("INBOX_DB_URL", DEFAULT_DB_URL),
            service_token=env["INBOX_SERVICE_TOKEN"].strip(),
            demo_email=get("INBOX_DEMO_EMAIL", ""),
            demo_password=get("INBOX_DEMO_PASSWORD", ""),
            demo_supervisor_email=get("INBOX_DEMO_SUPERVISOR_EMAIL", ""),
            demo_supervisor_password=get("INBOX_DEMO_SUPERVISOR_PASSWORD", ""),
            production=is_production(env),
            rasa_url=get("RASA_URL", "http://localhost:5005").rstrip("/"),
            rasa_token=env["RASA_AUTH_TOKEN"].strip(),
            rasa_timeout=float(get("INBOX_RASA_TIMEOUT_SECONDS", "10")),
            event_db_url=get("EVENT_BROKER_DB_URL") or _event_db_default(env),
            poll_seconds=float(get("INBOX_POLL_SECONDS", "1")),
            login_failures_per_account=int(get("INBOX_LOGIN_FAILURES_PER_ACCOUNT", "5")),
            login_failures_per_address=int(get("INBOX_LOGIN_FAILURES_PER_ADDRESS", "20")),
            login_window_seconds=float(get("INBOX_LOGIN_WINDOW_SECONDS", "900")),
            trusted_proxies=_addresses(get("INBOX_TRUSTED_PROXIES")),
            reader_stall_seconds=float(get("INBOX_READER_STALL_SECONDS", "60")),
            crm_url=(get("CRM_API_URL") or "").strip().rstrip("/"),
            crm_token=(get("CRM_API_TOKEN") or "").strip(),
            crm_timeout=float(get("INBOX_CRM_TIMEOUT_SECONDS", "5")),
            sla_high_seconds=float(get("INBOX_SLA_HIGH_SECONDS", "300")),
            sla_normal_seconds=float(get("INBOX_SLA_NORMAL_SECONDS", "1800")),
            agent_capacity=int(get("INBOX_AGENT_CAPACITY", "3")),
            routing_seconds=float(get("INBOX_ROUTING_SECONDS", "1")),
            review_threshold=float(get("INBOX_REVIEW_CONFIDENCE", "0.75")),
            billing_url=(get("BILLING_API_URL") or "").strip().rstrip("/"),
            billing_token=(get("BILLING_API_TOKEN") or "").strip(),
        )
