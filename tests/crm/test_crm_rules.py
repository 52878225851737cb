"""The policy rules at their boundaries (pure functions, no server needed)."""
from datetime import date, timedelta
from decimal import Decimal

from services.crm import rules

TODAY = date(2025, 3, 15)


def test_return_is_allowed_on_day_30_and_refused_on_day_31():
    assert rules.return_refusal("delivered", TODAY - timedelta(days=30), TODAY) is None
    assert rules.return_refusal("delivered", TODAY - timedelta(days=31), TODAY) == "return_window_expired"


def test_undelivered_orders_cannot_be_returned():
    for status in ("processing", "shipped", "cancelled"):
        assert rules.return_refusal(status, None, TODAY) == "not_delivered"


def test_return_fee_is_waived_only_when_the_store_got_it_wrong():
    for condition in ("damaged", "defective", "wrong_item"):
        assert rules.return_fee(condition) == Decimal("0.00")
    assert rules.return_fee("none") == Decimal("6.95")


def test_store_credit_bonus_is_ten_percent_of_the_refund_after_fee_rounded_half_up():
    amounts = rules.return_amounts(Decimal("120.00"), "none", "store_credit")
    assert amounts == {"fee": Decimal("6.95"), "store_credit_bonus": Decimal("11.31"),
                       "refund_amount": Decimal("124.36")}


def test_fee_never_makes_a_refund_negative():
    amounts = rules.return_amounts(Decimal("5.00"), "none", "original_payment")
    assert amounts["refund_amount"] == Decimal("0.00")


def test_approval_is_needed_above_500_not_at_500():
    assert rules.direct_refund_status(Decimal("500.00")) == "issued"
    assert rules.direct_refund_status(Decimal("500.01")) == "pending_approval"
    assert rules.return_refund_status(Decimal("500.01"), "store_credit") == "pending_approval"


def test_annual_cancellation_refunds_whole_unused_months_minus_15():
    quote = rules.cancellation_quote("year", Decimal("99.00"), TODAY, TODAY + timedelta(days=265))
    assert (quote["unused_months"], quote["refund_amount"], quote["fee"]) == (8, Decimal("51.00"), Decimal("15.00"))


def test_annual_cancellation_in_the_last_month_refunds_nothing():
    quote = rules.cancellation_quote("year", Decimal("99.00"), TODAY, TODAY + timedelta(days=20))
    assert quote["refund_amount"] == Decimal("0.00")


def test_month_arithmetic_clamps_to_the_end_of_short_months():
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
