"""Agents hand conversations back with a few harmless slots, never verification ones."""
from __future__ import annotations

import pytest

from tests.support.inbox import recorded
from tests.support.procs import wait_for
from tests.support.inbox import call, hand_off, login, standing_desk_package


def _claimed(inbox, sender_id):
    _, created = hand_off(inbox, standing_desk_package(sender_id))
    token = login(inbox)
    assert call("POST", f"{inbox.url}/api/handoffs/{created['id']}/claim", {}, token=token)[0] == 200
    return created["id"], token


@pytest.mark.parametrize("forbidden", [
    {"customer_verified": True},
    {"customer_id": "C1001", "verified_by": "email"},
    {"order_id": "10239", "verified_orders": ["10239"]},
    {"verified_level": "full"},
])
def test_a_release_naming_a_verification_slot_is_refused_and_nothing_reaches_rasa(
        inbox, fake_rasa, forbidden):
    handoff_id, token = _claimed(inbox, "slots-" + "-".join(sorted(forbidden)))
    before = len(recorded(fake_rasa))
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/release",
                        {"slots": forbidden}, token=token)
    assert status == 400 and body["error"]["code"] == "slot_not_allowed"
    refused = sorted(name for name in forbidden if name != "order_id")
    assert body["error"]["slots"] == refused
    assert all(name in body["error"]["message"] for name in refused)
    assert len(recorded(fake_rasa)) == before  # the bot was not resumed
    _, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff_id}", token=token)
    assert detail["status"] == "assigned"
    assert wait_for(lambda: f"tried to set slots {', '.join(refused)}" in inbox.tail(200), 3)


def test_a_release_with_allowed_slots_sets_them_in_rasa(inbox, fake_rasa):
    handoff_id, token = _claimed(inbox, "+14155550401")
    status, _ = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/release",
                     {"slots": {"order_id": "10240", "return_reason": None}}, token=token)
    assert status == 200
    events = next(r["body"] for r in reversed(recorded(fake_rasa))
                  if r["path"].startswith("/conversations/+14155550401/tracker/events"))
    assert {"event": "slot", "name": "order_id", "value": "10240"} in events


def test_slot_values_must_be_text(inbox):
    handoff_id, token = _claimed(inbox, "+14155550402")
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff_id}/release",
                        {"slots": {"order_id": {"$ne": None}}}, token=token)
    assert status == 400 and body["error"]["code"] == "invalid_field"
