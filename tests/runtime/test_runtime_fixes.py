"""addons/runtime keeps Rasa's behaviour: the compiled schema check accepts and
rejects exactly what Rasa's own `jsonschema.validate` does, with the same
message; SQLite connections get WAL and synchronous=NORMAL."""
from __future__ import annotations

import sqlite3

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from sqlalchemy import create_engine, text

from addons.runtime import action_schema, sqlite_tuning

RESPONSES = [
    {"events": [{"event": "slot", "name": "order_id", "value": "10231"}], "responses": [{"text": "hi"}]},
    {"events": [], "responses": []},
    {},
    {"events": [{"name": "x"}]},  # an event without its type
    {"events": "not a list"},
    {"responses": [{"text": 3}]},
]


def outcome(check, response):
    try:
        return check(RemoteAction("action_x", None), response)
    except ValidationError as error:
        return ("rejected", error.message, list(error.path))


@pytest.mark.parametrize("response", RESPONSES)
def test_compiled_check_accepts_and_rejects_what_rasa_does(response):
    assert outcome(action_schema.validate_action_result, response) == \
        outcome(RemoteAction._validate_action_result, response)


def test_installed_check_still_rejects_an_invalid_response():
    original = RemoteAction._validate_action_result
    try:
        action_schema.install()
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction("action_x", None)._validate_action_result({"events": "not a list"})
    finally:
        RemoteAction._validate_action_result = original


def test_sqlite_connections_use_wal_and_normal_sync(tmp_path):
    sqlite_tuning.install()
    engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    assert isinstance(engine.raw_connection().connection, sqlite3.Connection)


def test_sqlite_file_engines_keep_their_connection(tmp_path):
    sqlite_tuning.install()
    engine = create_engine(f"sqlite:///{tmp_path / 'events.db'}")
    with engine.connect() as conn:
        first = conn.connection.connection
    with engine.connect() as conn:
        assert conn.connection.connection is first
