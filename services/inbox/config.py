"""Inbox settings, read once from the environment (see docs/inbox.md)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional


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
    rasa_url: str
    rasa_token: str
    rasa_timeout: float
    event_db_url: str
    poll_seconds: float

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Config":
        env = os.environ if env is None else env
        get = env.get
        return cls(
            host=get("INBOX_HOST", "127.0.0.1"),
            port=int(get("INBOX_PORT", "8080")),
            db_url=get("INBOX_DB_URL", "sqlite:///var/inbox.db"),
            service_token=get("INBOX_SERVICE_TOKEN", "dev-inbox-service-token"),
            demo_email=get("INBOX_DEMO_EMAIL", "agent@harbor.example"),
            demo_password=get("INBOX_DEMO_PASSWORD", "harbor-demo"),
            demo_supervisor_email=get("INBOX_DEMO_SUPERVISOR_EMAIL", "supervisor@harbor.example"),
            demo_supervisor_password=get("INBOX_DEMO_SUPERVISOR_PASSWORD", "harbor-demo"),
            rasa_url=get("RASA_URL", "http://localhost:5005").rstrip("/"),
            rasa_token=get("RASA_AUTH_TOKEN", "dev-rasa-token"),
            rasa_timeout=float(get("INBOX_RASA_TIMEOUT_SECONDS", "10")),
            event_db_url=get("EVENT_BROKER_DB_URL") or _event_db_default(env),
            poll_seconds=float(get("INBOX_POLL_SECONDS", "1")),
        )
