"""Order tracking and customer verification actions, against the live demo service."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionTrackOrder, ValidateTrackOrderForm
from actions.shared.messages import message_name
from tests.support.dispatch import names
from tests.support.domain import required, with_forms
from tests.support.events import slot_values
from tests.support.trackers import says

DOMAIN = with_forms("track_order_form")
TRACK_SLOTS = required("track_order_form")
TRACKING_NUMBER = "1Z999AA10123456784"


async def test_whatsapp_number_of_the_orders_customer_verifies_without_email(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, metadata={
        "channel_identity": {"type": "phone", "value": "+14155550101"}})
    slots = await ValidateTrackOrderForm().validate_order_id("10231", CollectingDispatcher(), tracker, DOMAIN)
    assert slots["customer_verified"] is True and slots["customer_id"] == "C001"
    verified = says(fixture="new_conversation", as_recorded=True, slots=slots)
    required = await ValidateTrackOrderForm().required_slots(
        TRACK_SLOTS, CollectingDispatcher(), verified, DOMAIN)
    assert required == ["order_id"]


async def test_a_stranger_phone_number_still_has_to_give_the_email(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, metadata={
        "channel_identity": {"type": "phone", "value": "+19995550000"}})
    slots = await ValidateTrackOrderForm().validate_order_id("10231", CollectingDispatcher(), tracker, DOMAIN)
    assert slots == {"order_id": "10231"}


async def test_the_email_on_the_order_verifies_the_customer(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, slots={"order_id": "10231"})
    slots = await ValidateTrackOrderForm().validate_customer_email(
        "Maya.Patel@Example.com", CollectingDispatcher(), tracker, DOMAIN)
    assert slots["customer_verified"] is True and slots["customer_id"] == "C001"


async def test_a_wrong_email_reveals_nothing_and_counts_an_attempt(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, slots={"order_id": "10231"})
    dispatcher = CollectingDispatcher()
    slots = await ValidateTrackOrderForm().validate_customer_email(
        "someone@example.com", dispatcher, tracker, DOMAIN)
    assert slots == {"customer_email": None, "verification_attempts": 1.0}
    assert names(dispatcher) == ["utter_email_mismatch"]
    assert TRACKING_NUMBER not in str(dispatcher.messages)


async def test_after_three_wrong_emails_the_form_stops_and_a_person_is_offered(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, slots={"order_id": "10231", "verification_attempts": 2.0})
    dispatcher = CollectingDispatcher()
    slots = await ValidateTrackOrderForm().validate_customer_email("x@example.com", dispatcher, tracker, DOMAIN)
    assert slots["verification_attempts"] == 3.0 and dispatcher.messages == []
    exhausted = says(fixture="new_conversation", as_recorded=True, slots={"order_id": "10231", **slots})
    assert await ValidateTrackOrderForm().required_slots(
        TRACK_SLOTS, dispatcher, exhausted, DOMAIN) == []
    dispatcher = CollectingDispatcher()
    await ActionTrackOrder().run(dispatcher, exhausted, {})
    assert names(dispatcher) == ["utter_verification_failed"]
    assert TRACKING_NUMBER not in str(dispatcher.messages)


async def test_a_verified_customer_gets_carrier_tracking_number_and_estimate(backend):
    dispatcher = CollectingDispatcher()
    events = await ActionTrackOrder().run(dispatcher, says(fixture="verified_maya", as_recorded=True), {})
    assert events == []
    [message] = dispatcher.messages
    assert message_name(message) == "utter_order_shipped"
    assert "UPS" in message["text"] and TRACKING_NUMBER in message["text"]
    assert "Estimated delivery: " in message["text"] and "unknown" not in message["text"]


async def test_a_verified_customer_cannot_see_another_customers_order(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateTrackOrderForm().validate_order_id(
        "10239", dispatcher, says(fixture="verified_maya", as_recorded=True), DOMAIN)
    assert slots == {"order_id": None}
    assert names(dispatcher) == ["utter_order_not_on_account"]
    assert "Standing Desk" not in str(dispatcher.messages)


async def test_an_unknown_order_number_is_asked_again(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateTrackOrderForm().validate_order_id(
        "99999", dispatcher, says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots == {"order_id": None}
    assert names(dispatcher) == ["utter_order_not_found"]


async def test_text_that_is_not_an_order_number_is_explained(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateTrackOrderForm().validate_order_id(
        "my blue backpack", dispatcher, says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots == {"order_id": None}
    assert names(dispatcher) == ["utter_invalid_order_id"]


async def test_an_unreachable_crm_becomes_a_polite_message_and_an_offer_of_a_person(backend_down):
    dispatcher = CollectingDispatcher()
    events = await ActionTrackOrder().run(dispatcher, says(fixture="verified_maya", as_recorded=True), {})
    assert names(dispatcher) == ["utter_backend_down"]
    [failure] = slot_values(events)["backend_errors"]
    assert failure["system"] == "crm" and "10231" in failure["while"]


async def test_an_outage_during_verification_ends_the_form_without_an_exception(backend_down):
    dispatcher = CollectingDispatcher()
    slots = await ValidateTrackOrderForm().validate_order_id(
        "10231", dispatcher, says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots["backend_down"] is True
    assert names(dispatcher) == ["utter_backend_down"]
