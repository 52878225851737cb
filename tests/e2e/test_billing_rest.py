"""Harbor Plus end to end: REST channel -> Rasa -> action server -> demo billing.

Daniel Okafor (annual plan S-302, 8 unused months) must hear what cancelling
means in dollars ($66.00 - $15.00 = $51.00 back) before anything changes.
This cancels S-302 in the session's demo service.
"""
from __future__ import annotations

import uuid

from tests.support.crm import clients, latest_code
from tests.support.dispatch import text_of
from tests.support.stack import say


def test_daniel_is_told_51_dollars_before_he_confirms_cancelling_his_annual_plan(rasa, demo_crm):
    billing = clients(demo_crm)["billing"]
    sender = f"e2e-plus-{uuid.uuid4().hex[:8]}"

    asked = text_of(say(rasa, sender, "I want to cancel my harbor plus membership"))
    assert "email" in asked.lower() and "$" not in asked

    asked = text_of(say(rasa, sender, "daniel.okafor@example.com"))
    assert "code" in asked and "$" not in asked  # the membership is the account's: code first
    replies = say(rasa, sender, latest_code(demo_crm, "daniel.okafor@example.com"))
    quote = text_of(replies)
    assert "$51.00" in quote and "$15.00" in quote and "8 unused months" in quote
    assert [b["payload"] for r in replies for b in r.get("buttons", [])] == [
        "/affirm", "/pause_subscription", "/deny"]
    assert billing.get("/subscriptions/S-302").body["status"] == "active"  # nothing changed yet

    done = text_of(say(rasa, sender, "/affirm"))
    assert "cancelled" in done and "$51.00" in done
    assert billing.get("/subscriptions/S-302").body["status"] == "cancelled"
    refunds = billing.get("/refunds", params={"customer_id": "C002"}).body["refunds"]
    assert [r["amount"] for r in refunds if r.get("subscription_id") == "S-302"] == ["51.00"]
