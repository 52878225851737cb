"""Engine and sessions. Sync SQLAlchemy is fine here: one process, tiny queries."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from services.crm import idempotency, seed
from services.crm.models import Base, Customer

log = logging.getLogger("harbor.crm")


def make_engine(db_url: str) -> Engine:
    """Creates the engine; for a SQLite file, creates its folder (e.g. var/) first."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True)


def make_sessions(engine: Engine) -> sessionmaker:
    # expire_on_commit=False: handlers serialise rows after the commit.
    return sessionmaker(engine, future=True, expire_on_commit=False)


def init_db(engine: Engine, reset: bool = False) -> bool:
    """Creates the tables and loads the seed into an empty database; True if it loaded."""
    if reset:
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine, future=True) as db:
        if idempotency.forget_raw_keys(db):
            log.info("dropped idempotency records kept with unhashed keys")
            db.commit()
        if db.execute(select(Customer.id).limit(1)).first() is not None:
            return False
        seed.load(db)
        db.commit()
    log.info("loaded the demo data (dates relative to today)")
    return True
