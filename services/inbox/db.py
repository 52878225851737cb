"""Database engine and transactional sessions for the inbox's own tables."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import sqlalchemy
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from services.inbox.models import Base


def add_missing_columns(engine: Engine) -> None:
    """Adds columns newer than an existing table (create_all only creates tables).

    Only nullable columns or columns with a server default are added, so
    existing rows stay valid."""
    inspector = sqlalchemy.inspect(engine)
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present or (column.server_default is None and not column.nullable):
                    continue
                ddl = sqlalchemy.schema.CreateColumn(column).compile(dialect=engine.dialect)
                conn.execute(sqlalchemy.text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))


def make_engine(url: str) -> Engine:
    """Creates the engine, the tables and any columns added since (idempotent)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(url, future=True, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    add_missing_columns(engine)
    return engine


class Database:
    """Hands out sessions; one short transaction per request or reader batch."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
