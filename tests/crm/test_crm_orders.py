"""Orders: dates relative to today, cancelling and re-addressing before shipping."""
from datetime import date, timedelta


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def test_seed_dates_are_relative_to_the_day_of_loading(crm):
    order = crm.get("/orders/10232").body
    assert (order["placed_at"], order["shipped_at"], order["delivered_at"]) == (days(-16), days(-13), days(-10))
    assert order["return_window_ends"] == days(20)
    in_transit = crm.get("/orders/10231").body
    assert (in_transit["estimated_delivery"], in_transit["delivered_at"]) == (days(2), None)
    assert in_transit["return_window_ends"] is None


def test_order_has_the_contract_fields(crm):
    order = crm.get("/orders/10235").body
    assert set(order) >= {"id", "customer_id", "status", "placed_at", "shipped_at", "delivered_at",
                          "estimated_delivery", "carrier", "tracking_number", "shipping_address",
                          "total", "items", "return_window_ends"}
    assert order["items"] == [{"sku": "JKT-CLR", "name": "Clearance Rain Jacket", "qty": 1,
                               "price": "40.00", "final_sale": True}]
    assert order["total"] == "40.00"


def test_shipped_orders_cannot_be_cancelled_or_readdressed(crm):
    for order_id in ("10231", "10232"):  # shipped, delivered
        assert crm.post(f"/orders/{order_id}/cancel").error_code == "order_already_shipped"
        reply = crm.patch(f"/orders/{order_id}/shipping-address", {"shipping_address": "Elsewhere"})
        assert (reply.status, reply.error_code) == (409, "order_already_shipped")
    assert crm.get("/orders/10231").body["status"] == "shipped"


def test_cancelled_orders_cannot_be_cancelled_again(crm):
    reply = crm.post("/orders/10237/cancel")
    assert (reply.status, reply.error_code) == (409, "order_already_cancelled")


def test_processing_order_can_be_readdressed_then_cancelled_with_a_full_refund(crm, billing):
    moved = crm.patch("/orders/10234/shipping-address", {"shipping_address": "2 Park Row, Leeds LS1 5HN, GB"})
    assert moved.status == 200
    assert moved.body["shipping_address"] == "2 Park Row, Leeds LS1 5HN, GB"
    cancelled = crm.post("/orders/10234/cancel", key="cancel-10234")
    assert cancelled.status == 200
    assert cancelled.body["status"] == "cancelled"
    assert cancelled.body["refund"]["amount"] == "60.00"
    assert cancelled.body["refund"]["reason"] == "cancellation"
    assert crm.post("/orders/10234/cancel", key="cancel-10234").body == cancelled.body
    assert [r["id"] for r in billing.get("/refunds", params={"order_id": "10234"}).body["refunds"]] \
        == [cancelled.body["refund"]["id"]]
    late = crm.patch("/orders/10234/shipping-address", {"shipping_address": "Anywhere"})
    assert late.error_code == "order_already_cancelled"


def test_address_change_needs_an_address(crm):
    reply = crm.patch("/orders/10236/shipping-address", {})
    assert (reply.status, reply.error_code) == (400, "missing_field")
    assert "shipping_address" in reply.body["error"]["message"]
