"""Channel state (webhook dedupe, 24-hour windows) shared by several replicas
through one PostgreSQL database, as `make run-scaled` and the Helm values set
CHANNEL_STATE_DB_URL. Each "replica" is its own engine, as in its own process."""
from __future__ import annotations

import asyncio
import threading
import uuid
from typing import List

from addons.channels import state as channel_state
from addons.channels.state import ChannelState, Inbound


def test_replicas_starting_together_on_a_fresh_database_all_create_the_channel_tables(postgres):
    """Several replicas start at once on an empty database: before the fix,
    concurrent CREATE TABLEs failed one replica with a duplicate catalog row."""
    url = postgres.create_database(f"channels_{uuid.uuid4().hex[:8]}")
    errors: List[BaseException] = []
    start = threading.Barrier(8)

    def replica() -> None:
        start.wait()
        try:
            channel_state._make_engine(url).dispose()
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=replica) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_webhook_recorded_by_one_replica_is_a_duplicate_on_another_and_windows_are_shared(
        postgres):
    url = postgres.create_database(f"channels_{uuid.uuid4().hex[:8]}")
    first = ChannelState("whatsapp", url)
    second = ChannelState("whatsapp", url)
    second.engine = channel_state._make_engine(url)  # its own pool, as in its own process
    msg = Inbound(message_id=f"wamid.{uuid.uuid4().hex}", sender_id="+14155550101",
                  text="hi", received_at=1_700_000_000.0)

    async def scenario():
        fresh = await asyncio.gather(first.record_inbound(msg), second.record_inbound(msg))
        claimed = await asyncio.gather(first.claim(msg.message_id, 120),
                                       second.claim(msg.message_id, 120))
        await first.touch_window(msg.sender_id, msg.received_at)
        return fresh, claimed, await second.last_inbound(msg.sender_id)

    fresh, claimed, window = asyncio.run(scenario())
    assert sorted(fresh) == [False, True]  # recorded once: the other is a retry
    assert sorted(claimed) == [False, True]  # one replica runs the turn
    assert window == msg.received_at  # a window opened on one replica is open on the other
