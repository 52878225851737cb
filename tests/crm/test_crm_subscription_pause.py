"""Harbor Plus: pausing for 1 to 3 months."""
from datetime import date

import pytest

from services.crm.rules import add_months


@pytest.mark.parametrize("months", [0, -1, "2", 1.5, None, True])
def test_pause_months_must_be_a_whole_number_from_one(billing, months):
    reply = billing.post("/subscriptions/S-301/pause", {"months": months})
    assert reply.status == 400
    assert "months" in reply.body["error"]["message"]


def test_pause_longer_than_three_months_is_refused(billing):
    reply = billing.post("/subscriptions/S-301/pause", {"months": 4})
    assert (reply.status, reply.error_code) == (422, "pause_too_long")
    assert billing.get("/subscriptions/S-301").body["status"] == "active"


def test_pause_moves_renewal_back_and_cannot_be_stacked(billing):
    before = date.fromisoformat(billing.get("/subscriptions/S-302").body["renews_at"])
    paused = billing.post("/subscriptions/S-302/pause", {"months": 3}, key="pause-s302")
    assert paused.status == 200
    until = add_months(date.today(), 3)
    assert (paused.body["status"], paused.body["paused_until"]) == ("paused", until.isoformat())
    assert paused.body["renews_at"] == (before + (until - date.today())).isoformat()
    assert billing.post("/subscriptions/S-302/pause", {"months": 3}, key="pause-s302").body == paused.body
    again = billing.post("/subscriptions/S-302/pause", {"months": 1})
    assert (again.status, again.error_code) == (409, "already_paused")
