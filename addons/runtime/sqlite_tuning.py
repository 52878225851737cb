"""SQLite settings for the one-machine tracker store and event broker.

Rasa's SQL tracker store commits every turn's new events, and the SQL event
broker every event; with SQLite's defaults (rollback journal, synchronous=FULL)
each commit rewrites the journal and waits for two fsyncs. Write-ahead logging
with synchronous=NORMAL makes a commit one append to the WAL, and lets the
inbox (another process) read the event table while Rasa writes. A crash of the
process loses nothing; a power cut can lose the last commits but never corrupts
the database (https://www.sqlite.org/wal.html). PostgreSQL (the scaled-out
setup) is untouched: the hook only acts on SQLite connections.

SQLAlchemy 1.4 opens and closes a new connection for every session on a SQLite
file (NullPool), and the SQL event broker opens one per event: a close of the
last connection checkpoints and deletes the WAL, which made the broker's
publish most of a turn's CPU. SQLite file engines in the Rasa process keep one
connection per thread instead (SingletonThreadPool, what SQLAlchemy uses for
in-memory SQLite), so a connection is never shared between threads.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Engine
from sqlalchemy.pool import SingletonThreadPool

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def _tune(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(pragma)
        cursor.close()


def _pool_class(cls: Any, url: Any) -> Any:
    return SingletonThreadPool


def install() -> None:
    SQLiteDialect_pysqlite.get_pool_class = classmethod(_pool_class)  # type: ignore[method-assign]
    if not event.contains(Engine, "connect", _tune):
        event.listen(Engine, "connect", _tune)
