"""Finding rows (404 when missing) and minting ids."""
from __future__ import annotations

import re
import secrets
import string
from typing import Type, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crm.errors import not_found
from services.crm.models import Return

T = TypeVar("T")
RMA_ALPHABET = string.ascii_uppercase + string.digits


def get(db: Session, model: Type[T], ident: str, kind: str) -> T:
    row = db.get(model, ident)
    if row is None:
        raise not_found(kind, ident)
    return row


def next_id(db: Session, column, prefix: str, width: int, start: int) -> str:
    """Next sequential id like C006 or R-5002 (max existing number + 1)."""
    numbers = [int(m.group(1)) for (value,) in db.execute(select(column))
               if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", value or ""))]
    return f"{prefix}{max(numbers, default=start - 1) + 1:0{width}d}"


def new_rma(db: Session) -> str:
    """RMA-XXXXXX, random so that a label URL cannot be guessed from another."""
    while True:
        rma = "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(6))
        if db.get(Return, rma) is None:
            return rma
