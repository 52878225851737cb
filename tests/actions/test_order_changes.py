"""Cancelling and changing orders, and placing one, against the live demo service.

Read-only checks share the session's demo service (`backend`); checks that
change an order get a demo service of their own (`own_backend`), so order
10234 (the only one that hasn't shipped) is fresh for each of them and for
every other test module.
"""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import clients
from actions.shared.asking import ASK_ACTIONS
from actions.order_changes import (ActionCancelOrder, ActionChangeAddress, ActionChangeOrder,
                                   ActionPlaceOrderInfo, ValidateCancelOrderForm,
                                   ValidateChangeAddressForm)
from tests.support.crm import clients as api_clients
from tests.support.crm import start_demo_crm
from tests.support.dispatch import names, payloads, text_of
from tests.support.domain import with_forms
from tests.support.events import slot_values
from tests.support.trackers import says

CANCEL = with_forms("cancel_order_form")
ADDRESS = with_forms("change_address_form")
NEW_ADDRESS = "22 Park Lane, Leeds LS1 4AB, GB"
MAYA = {"order_id": "10231", "customer_email": "maya.patel@example.com", "customer_id": "C001",
        "verified_orders": ["10231", "10232", "10233"], "order_change_status": "shipped"}


def daniel(active_loop: str = "cancel_order_form", **slots: Any) -> Tracker:
    text, intent = slots.pop("text", None), slots.pop("intent", None)
    return says(text, intent, fixture="orders_daniel", as_recorded=True, form=active_loop or None,
                slots=slots)


def maya(**slots: Any) -> Tracker:
    return daniel(**{**MAYA, **slots})


@pytest.fixture
def own_backend(tmp_path, monkeypatch):
    """A demo service of this test's own: it may change orders."""
    srv = start_demo_crm(tmp_path)
    for name, value in {"CRM_API_URL": f"{srv.url}/crm/v1", "BILLING_API_URL": f"{srv.url}/billing/v1",
                        "CRM_API_TOKEN": "dev-crm-token", "BILLING_API_TOKEN": "dev-billing-token",
                        "BACKEND_TIMEOUT_SECONDS": "2"}.items():
        monkeypatch.setenv(name, value)
    clients.crm.cache_clear()
    clients.billing.cache_clear()
    yield api_clients(srv)
    clients.crm.cache_clear()
    clients.billing.cache_clear()
    srv.stop()


# --- cancelling ------------------------------------------------------------------

async def test_an_unshipped_order_is_summarised_and_confirmed_before_it_is_cancelled(backend):
    form = ValidateCancelOrderForm()
    tracker = daniel(order_change_status=None, order_change_summary=None, order_id=None)
    slots = await form.validate_order_id("10234", CollectingDispatcher(), tracker, CANCEL)
    assert slots["order_change_status"] == "processing"
    assert slots["order_change_summary"] == "Cast Iron Skillet 12in, $60.00"
    asked = daniel(**slots)
    assert await form.required_slots(["order_id", "customer_email", "cancel_confirmed"],
                                     CollectingDispatcher(), asked, CANCEL) == ["order_id", "cancel_confirmed"]
    dispatcher = CollectingDispatcher()
    await ASK_ACTIONS["utter_ask_cancel_confirmed"]().run(dispatcher, asked, {})
    assert "Order 10234: Cast Iron Skillet 12in, $60.00" in text_of(dispatcher)
    assert payloads(dispatcher) == ["/affirm", "/deny"]


async def test_a_confirmed_cancellation_cancels_the_order_and_refunds_it_once(own_backend):
    tracker = daniel(cancel_confirmed=True)
    dispatcher = CollectingDispatcher()
    events = await ActionCancelOrder().run(dispatcher, tracker, {})
    # The refund is told as the refund-status flow tells it (actions/messages/billing.yml).
    assert names(dispatcher) == ["utter_order_cancelled", "utter_refund_issued"]
    assert "$60.00" in text_of(dispatcher) and "5 to 7 business days" in text_of(dispatcher)
    assert slot_values(events)["cancel_confirmed"] is None
    # Rasa repeating the action for the same message changes nothing twice.
    await ActionCancelOrder().run(CollectingDispatcher(), tracker, {})
    crm, billing = own_backend["crm"], own_backend["billing"]
    assert crm.get("/orders/10234").body["status"] == "cancelled"
    refunds = billing.get("/refunds", params={"order_id": "10234"}).body["refunds"]
    assert [(r["amount"], r["reason"]) for r in refunds] == [("60.00", "cancellation")]


async def test_no_keeps_the_order_as_it_is(backend):
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, daniel(cancel_confirmed=False), {})
    assert names(dispatcher) == ["utter_order_kept"]
    assert api_clients(backend)["crm"].get("/orders/10234").body["status"] == "processing"


async def test_a_shipped_order_is_not_asked_to_be_confirmed(backend):
    form = ValidateCancelOrderForm()
    slots = await form.validate_order_id("10231", CollectingDispatcher(),
                                         maya(order_change_status=None), CANCEL)
    assert slots["order_change_status"] == "shipped"
    assert await form.required_slots(["order_id", "customer_email", "cancel_confirmed"],
                                     CollectingDispatcher(), maya(**slots), CANCEL) == ["order_id"]


async def test_the_services_refusal_of_a_shipped_order_gives_the_return_path(backend):
    dispatcher = CollectingDispatcher()
    # Even with a yes on record, the service's 409 order_already_shipped decides.
    await ActionCancelOrder().run(dispatcher, maya(cancel_confirmed=True), {})
    assert names(dispatcher) == ["utter_cancel_shipped"]
    assert "return it within 30 days" in text_of(dispatcher)
    assert "/track_order" in payloads(dispatcher)
    assert api_clients(backend)["crm"].get("/orders/10231").body["status"] == "shipped"


async def test_an_already_cancelled_order_reports_its_refund(backend):
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, says(fixture="orders_sofia", as_recorded=True), {})
    assert names(dispatcher) == ["utter_cancel_already_cancelled", "utter_refund_processing"]
    assert "$75.50" in text_of(dispatcher) and "Visa ending 4242" in text_of(dispatcher)


async def test_a_delivered_order_is_offered_a_return_while_the_window_is_open(backend):
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, maya(order_id="10232", order_change_status="delivered"), {})
    assert names(dispatcher) == ["utter_cancel_delivered"]
    assert "/return_item" in payloads(dispatcher)
    dispatcher = CollectingDispatcher()
    events = await ActionCancelOrder().run(dispatcher, maya(order_id="10233"), {})
    assert names(dispatcher) == ["utter_cancel_delivered_window_over"]
    assert "/contact_human_agent" in payloads(dispatcher)
    assert "10233" in slot_values(events)["handoff_reason"]


async def test_another_customers_order_is_neither_shown_nor_cancelled(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateCancelOrderForm().validate_order_id("10231", dispatcher, daniel(), CANCEL)
    assert slots == {"order_id": None}
    assert names(dispatcher) == ["utter_order_not_on_account"]
    dispatcher = CollectingDispatcher()
    # Even if the slots named it: an order nobody proved is neither shown nor cancelled.
    await ActionCancelOrder().run(dispatcher, daniel(order_id="10236", cancel_confirmed=True), {})
    assert names(dispatcher) == []
    assert "Glass Water Bottle" not in text_of(dispatcher)
    assert api_clients(backend)["crm"].get("/orders/10236").body["status"] == "shipped"


async def test_an_unverified_customer_cannot_cancel(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, slots={
        "order_id": "10234", "verification_attempts": 3.0, "cancel_confirmed": True})
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_verification_failed"]
    assert api_clients(backend)["crm"].get("/orders/10234").body["status"] == "processing"


def test_only_an_answer_to_the_question_counts_as_yes_or_no():
    form = ValidateCancelOrderForm()
    asked = {"requested_slot": "cancel_confirmed"}
    assert form.confirmation(daniel(**asked, intent="affirm")) == {"cancel_confirmed": True}
    assert form.confirmation(daniel(**asked, intent="deny", text="no")) == {"cancel_confirmed": False}
    assert form.confirmation(daniel(**asked, intent="cancel_order", text="yes cancel it")) == {
        "cancel_confirmed": True}
    # a policy question or another request is left to the rules
    assert form.confirmation(daniel(**asked, intent="delivery_period", text="how long?")) == {}
    assert form.confirmation(daniel(**asked, intent="track_order", text="where is it")) == {}
    # anything else: the question is asked again
    assert form.confirmation(daniel(**asked, intent="inform", text="hmm")) == {"cancel_confirmed": None}
    assert form.confirmation(daniel(intent="affirm")) == {}
    # a yes left over from an earlier request is no yes when a form starts
    assert form.validate_confirmation(True, daniel(active_loop=None, **asked)) == {"cancel_confirmed": None}


async def test_a_corrected_order_number_replaces_the_order_and_its_confirmation(backend):
    form = ValidateCancelOrderForm()
    tracker = daniel(requested_slot="cancel_confirmed", text="no, order 10235", intent="deny")
    assert await form.extract_order_id(CollectingDispatcher(), tracker, CANCEL) == {"order_id": "10235"}
    assert await form.extract_cancel_confirmed(CollectingDispatcher(), tracker, CANCEL) == {}
    slots = await form.validate_order_id("10235", CollectingDispatcher(), tracker, CANCEL)
    assert slots["order_id"] == "10235" and slots["cancel_confirmed"] is None
    assert slots["order_change_status"] == "delivered"
    assert slots["order_change_summary"] == "Clearance Rain Jacket, $40.00"


def test_a_no_that_names_another_order_is_a_correction_not_a_refusal():
    # The NLU already put the new number in the slot before the form ran.
    tracker = daniel(requested_slot="cancel_confirmed", text="no, order 10235", intent="deny",
                     order_id="10235")
    tracker.events.append({"event": "slot", "name": "order_id", "value": "10235"})
    form = ValidateCancelOrderForm()
    assert form.confirmation(tracker) == {}
    assert form.validate_confirmation(False, tracker) == {"cancel_confirmed": None}


async def test_an_unreachable_crm_is_a_polite_message_not_an_exception(backend_down):
    dispatcher = CollectingDispatcher()
    events = await ActionCancelOrder().run(dispatcher, daniel(cancel_confirmed=True), {})
    assert names(dispatcher) == ["utter_backend_down"]
    [failure] = slot_values(events)["backend_errors"]
    assert failure["system"] == "crm" and "10234" in failure["while"]
    dispatcher = CollectingDispatcher()
    slots = await ValidateCancelOrderForm().validate_order_id("10234", dispatcher, daniel(), CANCEL)
    assert slots["backend_down"] is True and names(dispatcher) == ["utter_backend_down"]


# --- shipping address ------------------------------------------------------------

async def test_a_new_address_needs_a_number_and_a_few_words():
    form = ValidateChangeAddressForm()
    asked = daniel("change_address_form", requested_slot="new_shipping_address")
    dispatcher = CollectingDispatcher()
    assert await form.validate_new_shipping_address("Flat 3", dispatcher, asked, ADDRESS) == {
        "new_shipping_address": None}
    assert names(dispatcher) == ["utter_invalid_shipping_address"]
    assert await form.validate_new_shipping_address(
        f"  {NEW_ADDRESS} ", CollectingDispatcher(), asked, ADDRESS) == {
        "new_shipping_address": NEW_ADDRESS, "address_confirmed": None}


async def test_a_postcode_in_the_address_is_not_taken_for_an_order_number():
    form = ValidateChangeAddressForm()
    text = "350 W 42nd St, New York, NY 10036, US"
    tracker = daniel("change_address_form", requested_slot="new_shipping_address", text=text, intent="inform")
    assert await form.extract_order_id(CollectingDispatcher(), tracker, ADDRESS) == {}
    assert await form.validate_order_id("10036", CollectingDispatcher(), tracker, ADDRESS) == {
        "order_id": "10234"}
    assert await form.extract_new_shipping_address(CollectingDispatcher(), tracker, ADDRESS) == {
        "new_shipping_address": text}


async def test_a_corrected_address_replaces_the_one_waiting_for_confirmation():
    form = ValidateChangeAddressForm()
    tracker = daniel("change_address_form", requested_slot="address_confirmed", intent="deny",
                     new_shipping_address=NEW_ADDRESS, text="no, 24 Park Lane, Leeds LS1 4AB, GB")
    assert await form.extract_address_confirmed(CollectingDispatcher(), tracker, ADDRESS) == {}
    extracted = await form.extract_new_shipping_address(CollectingDispatcher(), tracker, ADDRESS)
    assert extracted == {"new_shipping_address": "24 Park Lane, Leeds LS1 4AB, GB"}
    assert await form.validate_new_shipping_address(
        extracted["new_shipping_address"], CollectingDispatcher(), tracker, ADDRESS) == {
        "new_shipping_address": "24 Park Lane, Leeds LS1 4AB, GB", "address_confirmed": None}


async def test_another_request_is_not_taken_for_the_email():
    tracker = daniel(requested_slot="customer_email", text="actually where is my package",
                     intent="track_order", customer_verified=None, customer_id=None)
    assert await ValidateCancelOrderForm().extract_customer_email(CollectingDispatcher(), tracker, CANCEL) == {}


async def test_the_address_confirmation_shows_the_old_and_the_new_address():
    dispatcher = CollectingDispatcher()
    await ASK_ACTIONS["utter_ask_address_confirmed"]().run(
        dispatcher, daniel("change_address_form", new_shipping_address=NEW_ADDRESS), {})
    assert "From: 14 Canal Road, Leeds LS12 2PL, GB" in text_of(dispatcher)
    assert f"To: {NEW_ADDRESS}" in text_of(dispatcher)
    assert payloads(dispatcher) == ["/affirm", "/deny"]


async def test_a_confirmed_address_change_is_saved_on_the_order(own_backend):
    dispatcher = CollectingDispatcher()
    tracker = daniel("change_address_form", new_shipping_address=NEW_ADDRESS, address_confirmed=True)
    await ActionChangeAddress().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_address_changed"] and NEW_ADDRESS in text_of(dispatcher)
    assert own_backend["crm"].get("/orders/10234").body["shipping_address"] == NEW_ADDRESS


async def test_a_shipped_order_keeps_its_address_and_the_carrier_can_redirect_it(backend):
    dispatcher = CollectingDispatcher()
    events = await ActionChangeAddress().run(dispatcher, maya(
        active_loop="change_address_form", new_shipping_address=NEW_ADDRESS, address_confirmed=True), {})
    assert names(dispatcher) == ["utter_address_shipped"]
    assert "UPS" in text_of(dispatcher) and "1Z999AA10123456784" in text_of(dispatcher)
    assert "10231" in slot_values(events)["handoff_reason"]
    assert api_clients(backend)["crm"].get("/orders/10231").body["shipping_address"].startswith("1200 Market St")


async def test_setting_up_an_address_without_an_order_is_explained():
    tracker = says(fixture="new_conversation", as_recorded=True, text="how do i add a shipping address",
                           intent="set_up_shipping_address")
    tracker.latest_message["entities"] = []
    tracker.active_loop = {}
    assert await ValidateChangeAddressForm().required_slots(
        ADDRESS["forms"]["change_address_form"]["required_slots"], CollectingDispatcher(), tracker,
        ADDRESS) == []
    dispatcher = CollectingDispatcher()
    await ActionChangeAddress().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_address_setup_info"]
    assert "/change_shipping_address" in payloads(dispatcher)


# --- changing items, placing an order -------------------------------------------------

async def test_an_unshipped_order_can_be_cancelled_and_reordered_or_adjusted_by_a_person(backend):
    dispatcher = CollectingDispatcher()
    events = await ActionChangeOrder().run(dispatcher, daniel("change_order_form"), {})
    assert names(dispatcher) == ["utter_change_order_options"]
    assert payloads(dispatcher) == ["/cancel_order", "/contact_human_agent"]
    assert "10234" in slot_values(events)["handoff_reason"]


async def test_a_shipped_order_cannot_be_changed_but_returned_after_delivery(backend):
    dispatcher = CollectingDispatcher()
    await ActionChangeOrder().run(dispatcher, maya(active_loop="change_order_form"), {})
    assert names(dispatcher) == ["utter_change_order_shipped"]
    assert "return" in text_of(dispatcher)


async def test_placing_an_order_names_the_payment_methods_billing_accepts(backend):
    dispatcher = CollectingDispatcher()
    await ActionPlaceOrderInfo().run(dispatcher, says(fixture="new_conversation", as_recorded=True), {})
    assert "harborgoods.example" in text_of(dispatcher)
    assert "Visa, Mastercard, American Express, PayPal, Apple Pay and Harbor gift card" in text_of(dispatcher)
    assert "3-5 business days" in text_of(dispatcher)


async def test_placing_an_order_is_still_explained_when_billing_is_down(backend_down):
    dispatcher = CollectingDispatcher()
    await ActionPlaceOrderInfo().run(dispatcher, says(fixture="new_conversation", as_recorded=True), {})
    assert names(dispatcher) == ["utter_place_order_info_no_methods", "utter_delivery_choices"]
