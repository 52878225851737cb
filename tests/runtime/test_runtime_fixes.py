"""addons/runtime keeps Rasa's behaviour: the compiled schema check accepts and
rejects exactly what Rasa's own `jsonschema.validate` does, with the same
message; SQLite connections get WAL and synchronous=NORMAL."""
from __future__ import annotations

import json
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


def test_rule_index_finds_the_rules_rasa_finds():
    """Every (rules, conversation) pair below: the same matching rule keys as
    Rasa's own scan, with rules that name a previous action, name none, or
    forbid one, and conversations that start or go on."""
    import itertools

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    from addons.runtime import rule_index

    listen = {"prev_action": {"action_name": "action_listen"}}
    states = [
        {},
        {**listen, "user": {"intent": "greet"}},
        {**listen, "user": {"intent": "track_order", "entities": ("order_id",)}},
        {"prev_action": {"action_name": "track_order_form"}, "active_loop": {"name": "track_order_form"}},
        {**listen, "user": {"intent": "stop"}, "active_loop": {"name": "track_order_form"}},
        {**listen, "user": {"intent": "greet"}, "slots": {"verified": (1.0,)}},
        {"prev_action": {"action_name": "utter_greet"}, "user": {"intent": "greet"}},
        {"prev_action": {"action_text": "hello there"}},
    ]
    rule_states = states + [
        {**listen, "user": {"intent": "greet"}, "slots": {"verified": SHOULD_NOT_BE_SET}},
        {"active_loop": {"name": SHOULD_NOT_BE_SET}, "user": {"intent": "stop"}},
        {"prev_action": {"action_name": SHOULD_NOT_BE_SET}},
    ]
    rules = [list(r) for n in (1, 2, 3) for r in itertools.product(rule_states, repeat=n)]
    lookup = {json.dumps(r, sort_keys=True): f"action_{i}" for i, r in enumerate(rules)}
    conversations = [[]] + [list(c) for n in (1, 2, 3) for c in itertools.product(states, repeat=n)]
    policy = RulePolicy.__new__(RulePolicy)  # matching needs no trained state
    shipped = [RulePolicy._get_possible_keys(policy, lookup, c) for c in conversations]
    original = RulePolicy._get_possible_keys
    try:
        rule_index.install()
        fixed = [RulePolicy._get_possible_keys(policy, lookup, c) for c in conversations]
    finally:
        RulePolicy._get_possible_keys = original
    assert fixed == shipped
    assert len({len(keys) for keys in fixed}) > 5  # conversations matching few and many rules


def _broker_rows(fix: bool, tmp_path) -> list:
    """Three saves of one conversation (a second session in the middle) into a
    SQLite tracker store with Rasa's SQL event broker: what the broker got."""
    import asyncio

    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from addons.runtime import tracker_save

    folder = tmp_path / ("fixed" if fix else "shipped")
    folder.mkdir()
    domain = Domain.from_yaml("intents: [greet]\nresponses:\n  utter_hi: [{text: hi}]\n")
    broker = SQLEventBroker(db=str(folder / "events.db"))
    store = SQLTrackerStore(domain, db=str(folder / "tracker.db"), event_broker=broker)
    original = SQLTrackerStore.stream_events
    if fix:
        tracker_save.install()
    try:
        async def conversation():
            tracker = DialogueStateTracker("alice", domain.slots)
            turns = [[ActionExecuted("action_listen", timestamp=0.5), UserUttered("hi", timestamp=1.0)],
                     [ActionExecuted("utter_hi", timestamp=2.0), BotUttered("hi", timestamp=2.0)],
                     [SessionStarted(timestamp=3.0), ActionExecuted("action_listen", timestamp=3.0),
                      UserUttered("hello again", timestamp=4.0)]]
            for events in turns:
                stored = await store.retrieve("alice") or tracker
                for event in events:
                    stored.update(event)
                await store.save(stored)
        asyncio.run(conversation())
    finally:
        SQLTrackerStore.stream_events = original
    with broker.session_scope() as session:
        return [(row.sender_id, row.data) for row in session.query(broker.SQLBrokerEvent).order_by("id")]


def test_a_save_streams_each_new_event_once_as_rasa_does(tmp_path):
    shipped, fixed = _broker_rows(False, tmp_path), _broker_rows(True, tmp_path)
    assert fixed == shipped
    assert [json.loads(data)["event"] for _, data in fixed] == \
        ["action", "user", "action", "bot", "session_started", "action", "user"]
