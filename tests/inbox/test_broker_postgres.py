"""The broker reader against a real PostgreSQL (inbox DB and Rasa's `events`
table), where a NUL character or a malformed row used to kill the reader for
good while /health still said ok."""
from __future__ import annotations

import threading
import time

import psycopg2
import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import UserUttered

from tests.support.procs import wait_for
from tests.support.inbox import SENDER, handoff_with_history, publish, transcript
from tests.support.databases import running_postgres
from tests.support.inbox import call, login, start_inbox


@pytest.fixture(scope="module")
def postgres():
    yield from running_postgres()


@pytest.fixture
def stack(postgres, tmp_path, request):
    """An inbox on PostgreSQL reading a PostgreSQL broker table Rasa's class writes."""
    name = request.node.name.replace("test_", "")[:40].lower()
    inbox_url = postgres.create_database(f"inbox_{name}")
    events_db = f"events_{name}"
    postgres.create_database(events_db)
    broker = SQLEventBroker(dialect="postgresql", host=postgres.host, port=postgres.port,
                            db=events_db, username=postgres.user, password=postgres.password)
    inbox = start_inbox(tmp_path, event_db_url=postgres.url(events_db),
                        env={"INBOX_DB_URL": inbox_url, "INBOX_READER_STALL_SECONDS": "1.5"})
    yield inbox, broker, postgres.url(events_db), inbox_url
    inbox.stop()


def customer_lines(inbox, token, handoff_id):
    return [t for d, t in transcript(inbox, token, handoff_id) if d == "customer"][1:]


def insert_raw_event(events_url: str, data: str) -> None:
    """A row as another writer (or a future Rasa) might leave it."""
    with psycopg2.connect(events_url) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO events (sender_id, data) VALUES (%s, %s)", (SENDER, data))


def test_a_nul_character_does_not_stop_the_reader(stack):
    inbox, broker, _, _ = stack
    now = time.time()
    handoff_id = handoff_with_history(inbox, now)
    publish(broker, UserUttered("before", timestamp=now + 1))
    publish(broker, UserUttered("my order\u0000 10231", timestamp=now + 2))
    publish(broker, UserUttered("after", timestamp=now + 3))
    token = login(inbox)
    wanted = ["before", "my order 10231", "after"]
    assert wait_for(lambda: customer_lines(inbox, token, handoff_id) == wanted, 15), \
        customer_lines(inbox, token, handoff_id)
    status, health = call("GET", inbox.url + "/health")
    assert (status, health["event_broker"], health["event_broker_rejected"]) == (200, "ok", 0)


def test_a_row_that_cannot_be_stored_is_set_aside_with_the_reason_and_reading_goes_on(stack):
    inbox, broker, events_url, inbox_url = stack
    now = time.time()
    handoff_id = handoff_with_history(inbox, now)
    publish(broker, UserUttered("before", timestamp=now + 1))
    # A timestamp no float can hold: json reads it, storing it fails.
    insert_raw_event(events_url, '{"event": "user", "text": "huge", "timestamp": 1%s}'
                     % ("0" * 400))
    publish(broker, UserUttered("after", timestamp=now + 3))
    token = login(inbox)
    assert wait_for(lambda: customer_lines(inbox, token, handoff_id) == ["before", "after"],
                    15), customer_lines(inbox, token, handoff_id)
    with psycopg2.connect(inbox_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT sender_id, reason, data FROM broker_rejected_events")
        rejected = cur.fetchall()
    assert len(rejected) == 1 and rejected[0][0] == SENDER
    assert rejected[0][1].startswith("OverflowError") and '"huge"' in rejected[0][2]
    status, health = call("GET", inbox.url + "/health")
    assert (status, health["event_broker"], health["event_broker_rejected"]) == (200, "ok", 1)


def test_health_reports_a_reader_stuck_on_a_locked_events_table(stack):
    inbox, _, events_url, _ = stack
    assert call("GET", inbox.url + "/health")[0] == 200
    release = threading.Event()

    def hold_lock():
        with psycopg2.connect(events_url) as conn, conn.cursor() as cur:
            cur.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
            release.wait(30)

    locker = threading.Thread(target=hold_lock)
    locker.start()
    try:
        stuck = wait_for(lambda: call("GET", inbox.url + "/health", timeout=5)[0] == 503, 10)
        status, health = call("GET", inbox.url + "/health", timeout=5)
        assert stuck and health["event_broker"] == "stuck", health
    finally:
        release.set()
        locker.join()
    assert wait_for(lambda: call("GET", inbox.url + "/health")[1]["event_broker"] == "ok", 10)
