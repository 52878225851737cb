"""Email, demo style: nothing leaves the machine, every message is recorded."""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.crm.models import OutboxMessage


def send(db: Session, to: str, kind: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(to=to, kind=kind, subject=subject, body=body)
    db.add(message)
    return message
