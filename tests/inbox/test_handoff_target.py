"""The bot's side of the handoff: the inbox target, its failures, swapping it out."""
from __future__ import annotations

import pytest

from actions.clients.handoff_target import (HandoffUnavailable, InboxHandoffTarget,
                                            get_handoff_target)
from tests.support.inbox import SERVICE_TOKEN, call, login, standing_desk_package
from tests.support.procs import free_port


class RecordingDesk:
    """What a company's own helpdesk adapter looks like (used via HANDOFF_TARGET)."""

    async def create(self, package):
        return {"id": f"desk-{package['sender_id']}"}


async def test_inbox_target_creates_a_handoff_agents_can_see(inbox):
    target = InboxHandoffTarget(url=inbox.url, token=SERVICE_TOKEN, timeout=5)
    created = await target.create(standing_desk_package("+14155550301"))
    status, detail = call("GET", f"{inbox.url}/api/handoffs/{created['id']}", token=login(inbox))
    assert status == 200 and detail["sender_id"] == "+14155550301"


async def test_inbox_target_with_a_wrong_token_raises_handoff_unavailable(inbox):
    target = InboxHandoffTarget(url=inbox.url, token="wrong", timeout=5)
    with pytest.raises(HandoffUnavailable, match="unauthorized") as err:
        await target.create(standing_desk_package())
    assert err.value.status == 401


async def test_unreachable_inbox_raises_handoff_unavailable():
    target = InboxHandoffTarget(url=f"http://127.0.0.1:{free_port()}", token="x", timeout=2)
    with pytest.raises(HandoffUnavailable, match="unreachable"):
        await target.create(standing_desk_package())


async def test_handoff_target_setting_plugs_in_another_helpdesk(monkeypatch):
    monkeypatch.setenv("HANDOFF_TARGET", "tests.inbox.test_handoff_target:RecordingDesk")
    assert await get_handoff_target().create({"sender_id": "s1"}) == {"id": "desk-s1"}
    monkeypatch.delenv("HANDOFF_TARGET")
    assert isinstance(get_handoff_target(), InboxHandoffTarget)
