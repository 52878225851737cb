"""Harbor Plus: a cancellation refunds only paid, unused months."""


def test_pausing_does_not_grow_the_cancellation_refund(billing):
    before = billing.get("/subscriptions/S-302/cancellation-quote").body
    assert before["refund_amount"] == "51.00"
    assert billing.post("/subscriptions/S-302/pause", {"months": 3}).status == 200
    quote = billing.get("/subscriptions/S-302/cancellation-quote").body
    assert (quote["refund_amount"], quote["unused_months"]) == ("51.00", 8)
    cancelled = billing.post("/subscriptions/S-302/cancel").body
    assert (cancelled["refund_amount"], cancelled["refund"]["amount"]) == ("51.00", "51.00")
