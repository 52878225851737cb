"""The scaled-out deployment (docs/deploy.md) on real PostgreSQL and Redis servers:
deploy/endpoints.production.yml loaded the way `rasa run` loads it, Rasa's own
tracker store, lock store and SQL event broker built from it, the agent inbox
reading that broker, and the demo CRM on PostgreSQL. Two store instances built
from the same file stand for two Rasa replicas: they share nothing but the
servers."""
from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import sqlalchemy
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.support.crm import BILLING_TOKEN, CRM_TOKEN, clients
from tests.support.inbox import call, hand_off, login, start_inbox
from tests.support.procs import PYTHON, ROOT, free_port, server

PRODUCTION_ENDPOINTS = ROOT / "deploy" / "endpoints.production.yml"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def production_env(postgres, redis_server, monkeypatch) -> Dict[str, str]:
    """The variables deploy/endpoints.production.yml names, pointing at fresh
    databases (tracker and broker apart: both tables are called `events`)."""
    tracker_db, events_db = unique("tracker"), unique("events")
    postgres.create_database(tracker_db)
    postgres.create_database(events_db)
    env = {
        "ACTION_ENDPOINT_URL": "http://actions.harbor.svc:5055/webhook",
        "TRACKER_DB_HOST": postgres.host, "TRACKER_DB_PORT": str(postgres.port),
        "TRACKER_DB_NAME": tracker_db, "TRACKER_DB_USER": postgres.user,
        "TRACKER_DB_PASSWORD": postgres.password,
        "REDIS_HOST": redis_server.host, "REDIS_PORT": str(redis_server.port),
        "REDIS_DB": "3", "REDIS_PASSWORD": redis_server.password,
        "REDIS_KEY_PREFIX": unique("harbor").replace("_", ""),
        "EVENT_BROKER_DB_HOST": postgres.host, "EVENT_BROKER_DB_PORT": str(postgres.port),
        "EVENT_BROKER_DB_NAME": events_db, "EVENT_BROKER_DB_USER": postgres.user,
        "EVENT_BROKER_DB_PASSWORD": postgres.password,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    env["TRACKER_DB_URL"] = postgres.url(tracker_db)
    env["EVENT_BROKER_DB_URL"] = postgres.url(events_db)
    return env


def rows(url: str, sql: str, **params) -> List[Tuple]:
    engine = sqlalchemy.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sqlalchemy.text(sql), params)]
    finally:
        engine.dispose()


def wait_for(check, timeout: float = 15.0):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(0.1)


# --- (a) tracker store and lock store from the production endpoints file ------

async def test_a_conversation_saved_by_one_replica_is_read_by_another_from_postgresql(
        production_env):
    endpoints = read_endpoints_from_path(PRODUCTION_ENDPOINTS)
    assert endpoints.action.url == "http://actions.harbor.svc:5055/webhook"
    replica_a = TrackerStore.create(endpoints.tracker_store, domain=Domain.empty())
    replica_b = TrackerStore.create(endpoints.tracker_store, domain=Domain.empty())
    assert isinstance(replica_a, SQLTrackerStore)
    assert replica_a.engine.dialect.name == "postgresql"

    sender = "+14155550101"
    tracker = DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered("where is my order 10231?", intent={"name": "track_order", "confidence": 0.97},
                    entities=[{"entity": "order_id", "value": "10231"}]),
        SlotSet("order_id", "10231"),
        BotUttered("Order 10231 shipped on Monday with UPS."),
    ])
    await replica_a.save(tracker)
    found = await replica_b.retrieve(sender)

    assert found is not None
    assert [e.as_dict() for e in found.events] == [e.as_dict() for e in tracker.events]
    assert rows(production_env["TRACKER_DB_URL"],
                "SELECT type_name FROM events WHERE sender_id = :s ORDER BY id", s=sender) \
        == [("action",), ("user",), ("slot",), ("bot",)]
    assert await replica_b.retrieve("someone-else") is None


async def test_two_replicas_take_turns_on_one_conversation_through_the_redis_lock_store(
        production_env, redis_server):
    endpoints = read_endpoints_from_path(PRODUCTION_ENDPOINTS)
    replica_a = LockStore.create(endpoints.lock_store)
    replica_b = LockStore.create(endpoints.lock_store)
    assert isinstance(replica_a, RedisLockStore) and isinstance(replica_b, RedisLockStore)

    timeline: List[Tuple[str, str]] = []

    async def handle(store: LockStore, conversation: str, name: str, seconds: float) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.05):
            timeline.append((name, "start"))
            await asyncio.sleep(seconds)
            timeline.append((name, "end"))

    first = asyncio.create_task(handle(replica_a, "+14155550101", "a", 0.8))
    while not timeline and not first.done():
        await asyncio.sleep(0.01)
    assert timeline == [("a", "start")], first
    redis = redis_server.client(db=int(production_env["REDIS_DB"]))
    lock_key = f"{production_env['REDIS_KEY_PREFIX']}:lock:+14155550101"
    assert redis.exists(lock_key), redis.keys("*")  # the lock lives in the shared Redis
    await asyncio.gather(
        first,
        handle(replica_b, "+14155550101", "b", 0),           # same conversation: waits
        handle(replica_b, "+14155550199", "other", 0),       # another one: does not
    )

    assert timeline.index(("other", "start")) < timeline.index(("a", "end"))
    assert [t for t in timeline if t[0] != "other"] == \
        [("a", "start"), ("a", "end"), ("b", "start"), ("b", "end")]
    assert not redis.exists(lock_key)  # released and cleaned up


# --- (b) the SQL event broker on PostgreSQL feeds the agent inbox ---------------

async def test_messages_saved_by_two_replicas_reach_the_inbox_through_the_postgresql_broker(
        production_env, postgres, tmp_path):
    endpoints = read_endpoints_from_path(PRODUCTION_ENDPOINTS)
    replicas = []
    for _ in range(2):
        broker = await EventBroker.create(endpoints.event_broker)
        assert isinstance(broker, SQLEventBroker)
        assert broker.engine.dialect.name == "postgresql"
        replicas.append(TrackerStore.create(endpoints.tracker_store, domain=Domain.empty(),
                                            event_broker=broker))

    inbox = start_inbox(tmp_path, event_db_url=production_env["EVENT_BROKER_DB_URL"], env={
        "INBOX_DB_URL": postgres.create_database(unique("inbox")),
        "CHANNEL_STATE_DB_URL": postgres.create_database(unique("channels")),
    })
    try:
        sender, now = "+14155550142", time.time()
        status, created = hand_off(inbox, {
            "sender_id": sender, "input_channel": "callback", "summary": "Where is order 10231?",
            "transcript": [{"role": "customer", "text": "where is my order", "timestamp": now - 20},
                           {"role": "bot", "text": "Connecting you to a colleague.",
                            "timestamp": now - 19}]})
        assert status == 201, created

        for store, text in zip(replicas, ["are you there?", "it was due Monday"]):
            tracker = await store.get_or_create_tracker(sender)
            tracker.update(UserUttered(text, timestamp=time.time()))
            await store.save(tracker)  # Rasa publishes the new events to the broker

        token = login(inbox)

        def customer_lines():
            _, detail = call("GET", f"{inbox.url}/api/handoffs/{created['id']}", token=token)
            return [m["text"] for m in detail["messages"] if m["direction"] == "customer"]

        wanted = ["where is my order", "are you there?", "it was due Monday"]
        assert wait_for(lambda: customer_lines() == wanted), customer_lines()
        assert call("GET", inbox.url + "/health")[1]["event_broker"] == "ok"
        published = rows(production_env["EVENT_BROKER_DB_URL"],
                         "SELECT count(*) FROM events WHERE sender_id = :s", s=sender)
        assert published[0][0] >= 2
    finally:
        inbox.stop()


# --- (c) the demo CRM on PostgreSQL ---------------------------------------------

def start_crm_on(db_url: str, tmp_path: Path, log_name: str):
    port = free_port()
    return server([PYTHON, "-m", "services.crm"], tmp_path / log_name, port=port,
                  env={"DEMO_HOST": "127.0.0.1", "DEMO_PORT": str(port), "DEMO_DB_URL": db_url,
                       "CRM_API_TOKEN": CRM_TOKEN, "BILLING_API_TOKEN": BILLING_TOKEN},
                  health_path="/health").start()


def test_demo_crm_on_postgresql_replays_an_idempotent_cancel_even_after_a_restart(
        postgres, tmp_path):
    db_url = postgres.create_database(unique("demo_crm"))
    crm_srv = start_crm_on(db_url, tmp_path, "crm.log")
    try:
        crm, billing = clients(crm_srv)["crm"], clients(crm_srv)["billing"]
        cancelled = crm.post("/orders/10234/cancel", key="cancel-10234")
        assert (cancelled.status, cancelled.body["status"]) == (200, "cancelled"), cancelled.body
        assert crm.post("/orders/10234/cancel", key="cancel-10234").body == cancelled.body
        without_key = crm.post("/orders/10234/cancel")
        assert (without_key.status, without_key.error_code) == (409, "order_already_cancelled")
    finally:
        crm_srv.stop()

    crm_srv = start_crm_on(db_url, tmp_path, "crm-restarted.log")
    try:
        crm, billing = clients(crm_srv)["crm"], clients(crm_srv)["billing"]
        replay = crm.post("/orders/10234/cancel", key="cancel-10234")
        assert (replay.status, replay.body) == (200, cancelled.body)
        refunds = billing.get("/refunds", params={"order_id": "10234"}).body["refunds"]
        assert [r["id"] for r in refunds] == [cancelled.body["refund"]["id"]]
    finally:
        crm_srv.stop()
    assert rows(db_url, "SELECT key, status FROM idempotency_keys") == [
        ("sha256:" + hashlib.sha256(b"cancel-10234").hexdigest(), 200)]  # only a hash of the key is kept
