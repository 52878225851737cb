"""Cancelling an order end to end: REST channel -> Rasa -> action server -> demo CRM.

Order 10234 is the demo data's only order that hasn't shipped, so this module
reloads the demo data before and after itself: every other module sees the
order as the seed describes it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.crm import clients
from tests.support.dispatch import buttons, text_of
from tests.support.stack import new_sender, say


def reload_demo_data(demo_crm) -> None:
    """Restarts the session's demo service on a fresh copy of the seed."""
    demo_crm.stop()
    Path(demo_crm.env["DEMO_DB_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
    demo_crm.start()


@pytest.fixture
def seeded_crm(demo_crm):
    reload_demo_data(demo_crm)
    yield demo_crm
    reload_demo_data(demo_crm)


def test_daniel_cancels_his_unshipped_order_and_gets_the_refund(rasa, seeded_crm):
    sender = new_sender("e2e-cancel")
    asked = text_of(say(rasa, sender, "I want to cancel order 10234"))
    assert "email" in asked.lower() and "Skillet" not in asked  # nothing shown before verification

    confirm = say(rasa, sender, "daniel.okafor@example.com")
    assert "Order 10234: Cast Iron Skillet 12in, $60.00" in text_of(confirm)
    assert buttons(confirm) == {"Yes, cancel it": "/affirm", "No, keep it": "/deny"}
    api = clients(seeded_crm)
    assert api["crm"].get("/orders/10234").body["status"] == "processing"  # not before the yes

    done = text_of(say(rasa, sender, buttons(confirm)["Yes, cancel it"]))
    assert "order 10234 is cancelled" in done
    assert "of $60.00" in done and "5 to 7 business days" in done

    assert api["crm"].get("/orders/10234").body["status"] == "cancelled"
    refunds = api["billing"].get("/refunds", params={"order_id": "10234"}).body["refunds"]
    assert [(r["amount"], r["reason"], r["status"]) for r in refunds] == [("60.00", "cancellation", "issued")]
