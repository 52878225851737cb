"""Harbor Plus: cancellation (annual pro rata, monthly at the end of the month)."""
from datetime import date, timedelta


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def test_annual_plan_quote_refunds_unused_months_minus_15(billing):
    quote = billing.get("/subscriptions/S-302/cancellation-quote")
    assert quote.body == {"fee": "15.00", "refund_amount": "51.00", "unused_months": 8,
                          "effective_date": days(0)}


def test_cancelling_the_annual_plan_refunds_51_and_ends_it_now(billing):
    reply = billing.post("/subscriptions/S-302/cancel", key="cancel-s302")
    assert reply.status == 200
    assert (reply.body["fee"], reply.body["refund_amount"]) == ("15.00", "51.00")
    assert reply.body["subscription"]["status"] == "cancelled"
    assert (reply.body["refund"]["amount"], reply.body["refund"]["customer_id"]) == ("51.00", "C002")
    assert billing.post("/subscriptions/S-302/cancel", key="cancel-s302").body == reply.body
    refunds = billing.get("/refunds", params={"customer_id": "C002"}).body["refunds"]
    assert [r["amount"] for r in refunds] == ["51.00"]
    again = billing.post("/subscriptions/S-302/cancel")
    assert (again.status, again.error_code) == (409, "already_cancelled")


def test_monthly_plan_cancels_free_and_stays_active_to_the_end_of_the_month(billing):
    sub = billing.get("/subscriptions/S-301").body
    assert (sub["renews_at"], sub["started_at"], sub["price"]) == (days(12), days(-200), "9.99")
    quote = billing.get("/subscriptions/S-301/cancellation-quote").body
    assert quote == {"fee": "0.00", "refund_amount": "0.00", "unused_months": 0, "effective_date": days(12)}
    reply = billing.post("/subscriptions/S-301/cancel").body
    assert (reply["fee"], reply["refund_amount"], reply["refund"]) == ("0.00", "0.00", None)
    assert (reply["subscription"]["status"], reply["subscription"]["cancel_at"]) == ("active", days(12))
    assert billing.get("/subscriptions/S-301/cancellation-quote").error_code == "already_cancelled"


def test_subscriptions_are_listed_by_customer(billing):
    subs = billing.get("/subscriptions", params={"customer_id": "C001"}).body["subscriptions"]
    assert [s["id"] for s in subs] == ["S-301"]
    assert billing.get("/subscriptions").status == 400
