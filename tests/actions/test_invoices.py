"""Invoices against the live demo service: who sees which invoice, the list,
and the emailed copy (recorded in the demo service's outbox)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.invoices import ActionEmailInvoice, ActionShowInvoice, ValidateInvoiceForm
from tests.support.crm import clients as api_clients
from tests.support.dispatch import names, payloads, text_of
from tests.support.domain import required, with_forms
from tests.support.trackers import says

DOMAIN = with_forms("invoice_form")
SLOTS = required("invoice_form")
MAYA_EMAIL = "maya.patel@example.com"


def maya(text: str = "yes", intent: str = "inform", active: bool = True, **slots: Any) -> Tracker:
    """Maya Patel (C001), who proved her account (one-time code) earlier in the conversation."""
    return says(text, intent, fixture="verified_maya", as_recorded=True, entities=[],
                form="invoice_form" if active else None,
                slots={"order_id": None, "invoice_id": None, "verified_by": "code", **slots})


def stranger(text: str, **slots: Any) -> Tracker:
    return says(text, "inform", fixture="new_conversation", as_recorded=True, entities=[],
                form="invoice_form", slots={"order_id": None, **slots})


async def test_an_invoice_number_shows_the_invoice_to_its_verified_owner(backend):
    dispatcher = CollectingDispatcher()
    events = await ActionShowInvoice().run(dispatcher, maya(invoice_id="INV-10232"), {})
    assert names(dispatcher) == ["utter_invoice_details"]
    text = text_of(dispatcher)
    for fact in ("INV-10232", "order 10232", "$145.00", "paid", "m***@example.com"):
        assert fact in text
    assert MAYA_EMAIL not in text
    assert payloads(dispatcher) == ["/affirm", "/deny"]
    assert {"event": "slot", "name": "invoice_id", "value": "INV-10232"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events]


async def test_an_order_number_finds_the_orders_invoice(backend):
    dispatcher = CollectingDispatcher()
    await ActionShowInvoice().run(dispatcher, maya(order_id="10233"), {})
    assert names(dispatcher) == ["utter_invoice_details"]
    assert "INV-10233" in text_of(dispatcher) and "$45.00" in text_of(dispatcher)


async def test_another_customers_invoice_is_never_shown(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateInvoiceForm().validate_invoice_id(
        "INV-10235", dispatcher, maya(text="is invoice INV-10235 paid"), DOMAIN)
    assert slots == {"invoice_id": None}
    assert names(dispatcher) == ["utter_invoice_not_on_account"]
    # even if a slot said so, the action checks whose invoice it is
    dispatcher = CollectingDispatcher()
    await ActionShowInvoice().run(dispatcher, maya(invoice_id="INV-10235"), {})
    assert names(dispatcher) == ["utter_invoice_not_on_account"]
    assert "$40.00" not in text_of(dispatcher) and "10235" in text_of(dispatcher)


async def test_a_stranger_with_an_invoice_number_is_asked_for_the_email_first(backend):
    form = ValidateInvoiceForm()
    tracker = stranger("inv-10232")
    dispatcher = CollectingDispatcher()
    slots = await form.validate_invoice_id("inv-10232", dispatcher, tracker, DOMAIN)
    assert slots == {"invoice_id": "INV-10232", "order_id": "10232"}
    assert dispatcher.messages == []
    asked = stranger("inv-10232", **slots)
    assert (await form.next_requested_slot(dispatcher, asked, DOMAIN))["value"] == "customer_email"
    # ...and without verification the action shows nothing
    dispatcher = CollectingDispatcher()
    await ActionShowInvoice().run(dispatcher, asked, {})
    assert "$145.00" not in text_of(dispatcher)


async def test_the_order_question_also_takes_an_invoice_number():
    form = ValidateInvoiceForm()
    tracker = stranger("INV-10232", requested_slot="order_id")
    assert await form.extract_order_id(CollectingDispatcher(), tracker, DOMAIN) == {}
    assert await form.extract_invoice_id(CollectingDispatcher(), tracker, DOMAIN) == {
        "invoice_id": "INV-10232"}


async def test_another_request_is_not_taken_for_the_email_or_order_number():
    form = ValidateInvoiceForm()
    tracker = stranger("actually where is my refund", requested_slot="customer_email", order_id="10232")
    tracker.latest_message["intent"] = {"name": "track_refund", "confidence": 0.9}
    assert await form.extract_customer_email(CollectingDispatcher(), tracker, DOMAIN) == {}
    assert await form.extract_order_id(CollectingDispatcher(), tracker, DOMAIN) == {}


async def test_a_verified_customer_naming_nothing_gets_their_invoices_as_buttons(backend):
    form = ValidateInvoiceForm()
    # "show me my invoices" right after tracking 10231: a list, not 10231's invoice
    listing = maya(text="show me my invoices", intent="check_invoice", active=False, order_id="10231")
    assert await form.required_slots(SLOTS, CollectingDispatcher(), listing, DOMAIN) == []
    dispatcher = CollectingDispatcher()
    await ActionShowInvoice().run(dispatcher, listing, {})
    assert names(dispatcher) == ["utter_invoice_list"]
    assert payloads(dispatcher) == [f'/get_invoice{{"invoice_id":"INV-{n}"}}' for n in (10231, 10232, 10233)]


async def test_one_order_proven_by_email_does_not_list_all_the_invoices(backend):
    # The email on order 10231 proves that order only, not the account's other invoices.
    listing = maya(text="show me my invoices", intent="check_invoice", active=False, order_id=None,
                   verified_by="email", verified_orders=["10231"])
    dispatcher = CollectingDispatcher()
    await ActionShowInvoice().run(dispatcher, listing, {})
    assert "utter_invoice_list" not in names(dispatcher) and "INV-10232" not in text_of(dispatcher)
    one = maya(invoice_id="INV-10232", order_id="10231", verified_by="email", verified_orders=["10231"])
    dispatcher = CollectingDispatcher()
    await ActionShowInvoice().run(dispatcher, one, {})
    assert names(dispatcher) == ["utter_invoice_not_on_account"] and "$145.00" not in text_of(dispatcher)


async def test_emailing_the_invoice_sends_it_to_the_email_on_file(backend):
    admin = api_clients(backend)["admin"]
    before = admin.get("/outbox", params={"to": MAYA_EMAIL}).body["messages"]
    dispatcher = CollectingDispatcher()
    await ActionEmailInvoice().run(dispatcher, maya(invoice_id="INV-10232"), {})
    assert names(dispatcher) == ["utter_invoice_emailed"]
    assert "m***@example.com" in text_of(dispatcher) and MAYA_EMAIL not in text_of(dispatcher)
    after = admin.get("/outbox", params={"to": MAYA_EMAIL}).body["messages"]
    [sent] = after[len(before):]
    assert "INV-10232" in sent["subject"] and sent["kind"] == "invoice_copy"


async def test_an_order_without_an_invoice_is_said_so_and_a_person_offered(backend):
    tracker = says("invoice for 10234", "get_invoice", fixture="orders_daniel", as_recorded=True)
    dispatcher = CollectingDispatcher()
    await ActionShowInvoice().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_invoice_missing_for_order"]
    assert "/contact_human_agent" in payloads(dispatcher)


async def test_a_new_order_number_replaces_an_invoice_from_before(backend):
    tracker = maya(text="what about order 10233", invoice_id="INV-10232", order_id="10232")
    form = ValidateInvoiceForm()
    assert await form.validate_invoice_id("INV-10232", CollectingDispatcher(), tracker, DOMAIN) == {
        "invoice_id": None}
    slots = await form.validate_order_id("10233", CollectingDispatcher(), tracker, DOMAIN)
    assert slots["order_id"] == "10233" and slots["invoice_id"] is None


async def test_billing_down_is_a_polite_message_not_an_exception(backend_down):
    dispatcher = CollectingDispatcher()
    events = await ActionShowInvoice().run(dispatcher, maya(invoice_id="INV-10232"), {})
    assert names(dispatcher) == ["utter_backend_down"]
    assert any(e.get("name") == "backend_errors" for e in events)
    dispatcher = CollectingDispatcher()
    slots = await ValidateInvoiceForm().validate_invoice_id(
        "INV-10232", dispatcher, stranger("INV-10232"), DOMAIN)
    assert slots["backend_down"] is True and names(dispatcher) == ["utter_backend_down"]
