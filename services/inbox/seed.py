"""Demo accounts, created on first start so a fresh checkout can log in at once.

Never in production (HARBOR_ENV=production): the demo passwords are public.
"""
from __future__ import annotations

import logging

from services.inbox.config import Config
from services.inbox.db import Database
from services.inbox.models import Agent
from services.inbox.passwords import hash_password

logger = logging.getLogger("inbox.seed")


def ensure_agent(db: Database, email: str, password: str, name: str, role: str, team: str,
                 languages: str = "en") -> bool:
    """Creates the agent unless the email exists (never resets a changed password)."""
    email = email.strip().lower()
    with db.session() as s:
        if s.query(Agent.id).filter(Agent.email == email).first():
            return False
        s.add(Agent(email=email, name=name, password_hash=hash_password(password),
                    role=role, team=team, languages=languages))
    logger.info("created %s %s", role, email)
    return True


def ensure_demo_agents(db: Database, config: Config) -> None:
    if config.production:
        if config.demo_email or config.demo_supervisor_email:
            logger.warning("HARBOR_ENV=production: demo accounts are not created; "
                           "supervisors add agents with POST /api/agents")
        return
    if config.demo_email and config.demo_password:
        ensure_agent(db, config.demo_email, config.demo_password, "Alex Rivera", "agent",
                     "returns", languages="en,es")
    if config.demo_supervisor_email and config.demo_supervisor_password:
        ensure_agent(db, config.demo_supervisor_email, config.demo_supervisor_password,
                     "Sam Okafor", "supervisor", "general")
