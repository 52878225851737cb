"""Refund status, duplicate charges and payment problems, against the live demo
service (amounts from services/crm/seed/harbor_seed.json and the policies).

Tests that change billing (refunding the duplicate charge) use `fresh_backend`
(tests/actions/conftest.py), a demo service of the module's own, so the
session's service keeps the seed data.
"""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions import clients
from actions.billing import (ActionAskDuplicateRefundConfirmed, ActionPaymentIssue,
                             ActionRefundDuplicateCharge, ActionTrackRefund,
                             ValidateDuplicateChargeForm, ValidatePaymentIssueForm,
                             ValidateTrackRefundForm)
from actions.shared.asking import ASK_ACTIONS
from tests.support.dispatch import names, payloads, text_of
from tests.support.domain import with_forms
from tests.support.events import slot_values
from tests.support.trackers import says

DOMAIN = with_forms("track_refund_form", "duplicate_charge_form", "payment_issue_form")
# Verified by email: that proves the orders they gave with it (verified_orders).
SOFIA = {"customer_verified": True, "customer_id": "C003", "customer_email": "sofia.rossi@example.com",
         "verified_by": "email", "verified_orders": ["10236", "10237"]}
MAYA = {"customer_verified": True, "customer_id": "C001", "customer_email": "maya.patel@example.com",
        "verified_by": "email", "verified_orders": ["10231", "10232", "10233"]}


# -- refund status ------------------------------------------------------------------------

async def test_sofia_verified_by_email_hears_her_refund_is_on_its_way_to_her_visa(backend):
    form = ValidateTrackRefundForm()
    dispatcher = CollectingDispatcher()
    asked_order = says("10237", "inform", form="track_refund_form", requested="order_id",
                       set_now={"order_id": "10237"})
    events = await form.run(dispatcher, asked_order, DOMAIN)
    assert slot_values(events)["requested_slot"] == "customer_email"
    asked_email = says("sofia.rossi@example.com", "inform", form="track_refund_form",
                       requested="customer_email", slots={"order_id": "10237"},
                       set_now={"customer_email": "sofia.rossi@example.com"})
    verified = slot_values(await form.run(dispatcher, asked_email, DOMAIN))
    assert verified["customer_id"] == "C003" and verified["requested_slot"] is None
    assert "R-5001" not in text_of(dispatcher)  # nothing shown before verification

    dispatcher = CollectingDispatcher()
    events = await ActionTrackRefund().run(dispatcher, says("ok", "affirm", slots={**SOFIA, "order_id": "10237"}), {})
    assert names(dispatcher) == ["utter_refund_processing"]
    answer = text_of(dispatcher)
    assert "R-5001" in answer and "$75.50" in answer and "order 10237" in answer
    assert "Visa ending 4242 in 5 to 7 business days" in answer
    assert slot_values(events) == {"refund_id": None}


async def test_a_refund_number_is_verified_against_the_refunds_own_customer(backend):
    form = ValidateTrackRefundForm()
    dispatcher = CollectingDispatcher()
    start = says("status of refund R-5001", "track_refund", set_now={"refund_id": "R-5001"})
    events = slot_values(await form.run(dispatcher, start, DOMAIN))
    assert events["refund_id"] == "R-5001" and events["requested_slot"] == "customer_email"
    assert events["order_id"] == "10237"  # the refund's order: the email is checked against it
    wrong = says("maya.patel@example.com", "inform", form="track_refund_form", requested="customer_email",
                 slots={"refund_id": "R-5001", "order_id": "10237"}, set_now={"customer_email": "maya.patel@example.com"})
    events = slot_values(await form.run(dispatcher, wrong, DOMAIN))
    assert events["customer_email"] is None and events["verification_attempts"] == 1.0
    assert names(dispatcher) == ["utter_refund_email_mismatch"] and "$75.50" not in text_of(dispatcher)
    right = says("sofia.rossi@example.com", "inform", form="track_refund_form", requested="customer_email",
                 slots={"refund_id": "R-5001", "order_id": "10237"}, set_now={"customer_email": "sofia.rossi@example.com"})
    events = slot_values(await form.run(CollectingDispatcher(), right, DOMAIN))
    assert events["customer_id"] == "C003" and events["requested_slot"] is None


async def test_another_customers_refund_number_is_not_shown(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateTrackRefundForm().validate_refund_id(
        "R-5001", dispatcher, says("check refund R-5001", "track_refund", slots=MAYA), DOMAIN)
    assert slots == {"refund_id": None}
    assert names(dispatcher) == ["utter_refund_not_on_account"] and "$75.50" not in text_of(dispatcher)


async def test_a_refund_number_typed_when_asked_for_the_order_is_taken_as_the_refund(backend):
    extracted = await ValidateTrackRefundForm().extract_order_id(
        CollectingDispatcher(), says("it's r-5001", "inform", form="track_refund_form", requested="order_id"), DOMAIN)
    assert extracted == {"refund_id": "R-5001"}


async def test_an_unknown_refund_number_falls_back_to_the_order_number(backend):
    dispatcher = CollectingDispatcher()
    start = says("where is refund R-9999", "track_refund", set_now={"refund_id": "R-9999"})
    events = slot_values(await ValidateTrackRefundForm().run(dispatcher, start, DOMAIN))
    assert events["refund_id"] is None and events["requested_slot"] == "order_id"
    assert names(dispatcher) == ["utter_refund_not_found"]


async def test_an_order_without_a_refund_offers_a_return_or_a_person(backend):
    dispatcher = CollectingDispatcher()
    await ActionTrackRefund().run(dispatcher, says("ok", "affirm", slots={**MAYA, "order_id": "10231"}), {})
    assert names(dispatcher) == ["utter_no_refund_found"]
    assert "order 10231" in text_of(dispatcher)
    assert {"/return_item", "/contact_human_agent"} <= set(payloads(dispatcher))


async def test_unverified_refund_check_after_three_wrong_emails_offers_a_person(backend):
    dispatcher = CollectingDispatcher()
    tracker = says("x@example.com", "inform", slots={"order_id": "10237", "verification_attempts": 3.0})
    events = await ActionTrackRefund().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_verification_failed"] and "$75.50" not in text_of(dispatcher)
    assert slot_values(events)["refund_id"] is None


async def test_refund_check_with_billing_down_is_a_polite_message(backend_down):
    dispatcher = CollectingDispatcher()
    events = await ActionTrackRefund().run(dispatcher, says("ok", "affirm", slots={**SOFIA, "order_id": "10237"}), {})
    assert names(dispatcher) == ["utter_backend_down"]
    assert "/contact_human_agent" in payloads(dispatcher)
    [failure] = slot_values(events)["backend_errors"]
    assert failure["system"] == "billing" and "10237" in failure["while"]


# -- stepping aside: digressions, switches, stop ------------------------------------------

async def test_another_request_mid_form_makes_the_form_step_aside(backend):
    tracker = says("actually cancel my harbor plus", "cancel_subscription",
                   form="track_refund_form", requested="order_id")
    events = await ValidateTrackRefundForm().run(CollectingDispatcher(), tracker, DOMAIN)
    assert [e["event"] for e in events] == ["action_execution_rejected"]


async def test_after_a_policy_answer_the_form_asks_its_question_again(backend):
    question = says("what's your refund policy?", "check_refund_policy",
                    form="track_refund_form", requested="order_id")
    assert [e["event"] for e in await ValidateTrackRefundForm().run(
        CollectingDispatcher(), question, DOMAIN)] == ["action_execution_rejected"]
    back = says("what's your refund policy?", "check_refund_policy", form="track_refund_form",
                requested="order_id", between=[{"event": "action_execution_rejected", "name": "track_refund_form"},
                                               {"event": "action", "name": "action_answer_policy"}])
    events = slot_values(await ValidateTrackRefundForm().run(CollectingDispatcher(), back, DOMAIN))
    assert events == {"requested_slot": "order_id"}


async def test_a_corrected_order_number_replaces_the_first_one(backend):
    dispatcher = CollectingDispatcher()
    tracker = says("sorry, it's 10240", "inform", form="duplicate_charge_form", requested="customer_email",
                   slots={"order_id": "10238"}, set_now={"order_id": "10240"})
    events = slot_values(await ValidateDuplicateChargeForm().run(dispatcher, tracker, DOMAIN))
    assert events["order_id"] == "10240" and events["requested_slot"] == "customer_email"


# -- duplicate charges ------------------------------------------------------------------------

async def test_liam_is_shown_both_349_charges_before_anything_is_refunded(backend):
    form = ValidateDuplicateChargeForm()
    dispatcher = CollectingDispatcher()
    tracker = says("liam.chen@example.com", "inform", form="duplicate_charge_form", requested="customer_email",
                   slots={"order_id": "10238"}, set_now={"customer_email": "liam.chen@example.com"})
    events = slot_values(await form.run(dispatcher, tracker, DOMAIN))
    assert events["customer_id"] == "C004" and events["requested_slot"] == "duplicate_refund_confirmed"
    finding = events["duplicate_charge"]
    assert finding["state"] == "duplicate" and finding["payment_id"] == "P-9002"

    dispatcher = CollectingDispatcher()
    await ActionAskDuplicateRefundConfirmed().run(dispatcher, says("", "inform", slots={"duplicate_charge": finding}), {})
    assert ("I can see two charges of $349.00 on Visa ending 1881 for order 10238"
            in text_of(dispatcher))
    assert payloads(dispatcher) == ["/affirm", "/deny"]
    payments = (await clients.billing().payments(order_id="10238"))
    assert [p["status"] for p in payments] == ["captured", "captured"]


async def test_an_email_given_before_the_order_number_is_checked_once_the_order_is_known(backend):
    tracker = says("10238", "inform", form="duplicate_charge_form", requested="order_id",
                   slots={"customer_email": "liam.chen@example.com"}, set_now={"order_id": "10238"})
    events = slot_values(await ValidateDuplicateChargeForm().run(CollectingDispatcher(), tracker, DOMAIN))
    assert events["customer_verified"] is True and events["customer_id"] == "C004"


async def test_confirming_refunds_the_duplicate_349_in_full_once(fresh_backend):
    finding = {"order_id": "10238", "state": "duplicate", "payment_id": "P-9002"}
    slots = {"duplicate_charge": finding, "duplicate_refund_confirmed": True}
    dispatcher = CollectingDispatcher()
    events = await ActionRefundDuplicateCharge().run(
        dispatcher, says("yes", "affirm", fixture="billing_verified_liam", slots=slots), {})
    assert names(dispatcher) == ["utter_duplicate_refunded"]
    answer = text_of(dispatcher)
    assert "$349.00" in answer and "no fee" in answer and "5 to 7 business days" in answer
    assert slot_values(events)["duplicate_refund_confirmed"] is None
    refunds = fresh_backend["billing"].get("/refunds", params={"order_id": "10238"}).body["refunds"]
    [refund] = [r for r in refunds if r["reason"] == "duplicate_charge"]
    assert refund["amount"] == "349.00" and refund["payment_id"] == "P-9002"
    assert refund["id"] in answer

    # Asking again later: billing says it is refunded, nothing is refunded twice.
    dispatcher = CollectingDispatcher()
    await ActionRefundDuplicateCharge().run(
        dispatcher, says("yes", "affirm", fixture="billing_verified_liam", slots=slots), {})
    assert names(dispatcher) == ["utter_duplicate_already_refunded"]
    assert refund["id"] in text_of(dispatcher)
    assert len(fresh_backend["billing"].get("/refunds", params={"order_id": "10238"}).body["refunds"]) == 1


async def test_declining_leaves_both_charges_as_they_are(backend):
    dispatcher = CollectingDispatcher()
    slots = {"duplicate_charge": {"order_id": "10238", "state": "duplicate"}, "duplicate_refund_confirmed": False}
    await ActionRefundDuplicateCharge().run(
        dispatcher, says("no", "deny", fixture="billing_verified_liam", slots=slots), {})
    assert names(dispatcher) == ["utter_duplicate_left"]
    payments = await clients.billing().payments(order_id="10238")
    assert [p["status"] for p in payments] == ["captured", "captured"]


async def test_no_duplicate_says_what_billing_shows_and_offers_a_person(backend):
    form = ValidateDuplicateChargeForm()
    tracker = says("10231", "inform", form="duplicate_charge_form", requested="order_id",
                   slots=MAYA, set_now={"order_id": "10231"})
    events = slot_values(await form.run(CollectingDispatcher(), tracker, DOMAIN))
    assert events["duplicate_charge"]["state"] == "none" and events["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    events = await ActionRefundDuplicateCharge().run(
        dispatcher, says("10231", "inform", slots={**MAYA, "order_id": "10231"}), {})
    assert names(dispatcher) == ["utter_no_duplicate_found"]
    assert "one charge for order 10231: $89.00 on Mastercard ending 4444" in text_of(dispatcher)
    assert "/contact_human_agent" in payloads(dispatcher)
    assert "10231" in slot_values(events)["handoff_reason"]


async def test_another_customers_order_is_not_checked_for_charges(backend):
    dispatcher = CollectingDispatcher()
    tracker = says("10238", "inform", form="duplicate_charge_form", requested="order_id",
                   slots=MAYA, set_now={"order_id": "10238"})
    events = slot_values(await ValidateDuplicateChargeForm().run(dispatcher, tracker, DOMAIN))
    assert events["order_id"] is None and "duplicate_charge" not in events
    assert names(dispatcher) == ["utter_order_not_on_account"] and "349" not in text_of(dispatcher)


async def test_duplicate_check_with_billing_down_is_a_polite_message(backend_down):
    dispatcher = CollectingDispatcher()
    slots = {"duplicate_charge": {"order_id": "10238", "state": "duplicate"}, "duplicate_refund_confirmed": True}
    await ActionRefundDuplicateCharge().run(
        dispatcher, says("yes", "affirm", fixture="billing_verified_liam", slots=slots), {})
    assert names(dispatcher) == ["utter_backend_down"]


# -- payment problems ---------------------------------------------------------------------------

async def test_a_declined_card_gets_the_accepted_methods_fixes_and_a_person(backend):
    form = ValidatePaymentIssueForm()
    start = says("my card was declined", "payment_issue")
    events = slot_values(await form.run(CollectingDispatcher(), start, DOMAIN))
    assert events["payment_problem"] == "card_declined"
    dispatcher = CollectingDispatcher()
    events = await ActionPaymentIssue().run(dispatcher, says("", "payment_issue", slots=events), {})
    answer = text_of(dispatcher)
    assert "Visa, Mastercard, American Express, PayPal, Apple Pay and Harbor gift card" in answer
    assert "billing address" in answer and "expiry" in answer and "bank" in answer
    assert "charged when the order is placed" in answer
    assert "/contact_human_agent" in payloads(dispatcher)
    assert slot_values(events)["payment_problem"] is None


async def test_unclear_payment_problem_is_asked_with_three_choices(backend):
    start = says("problem with my payment", "payment_issue")
    events = slot_values(await ValidatePaymentIssueForm().run(CollectingDispatcher(), start, DOMAIN))
    assert "payment_problem" not in events  # so the form asks, with the three choices
    dispatcher = CollectingDispatcher()
    await ASK_ACTIONS["utter_ask_payment_problem"]().run(dispatcher, start, DOMAIN)
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "I was charged twice", "My card was declined", "Something else"]
    picked = says("/report_duplicate_charge", "report_duplicate_charge", form="payment_issue_form",
                  requested="payment_problem")
    events = slot_values(await ValidatePaymentIssueForm().run(CollectingDispatcher(), picked, DOMAIN))
    assert events["payment_problem"] == "charged_twice"


async def test_charged_twice_continues_with_the_duplicate_charge_check(backend):
    events = await ActionPaymentIssue().run(
        CollectingDispatcher(), says("", "payment_issue", slots={"payment_problem": "charged_twice"}), {})
    assert {"event": "followup", "name": "duplicate_charge_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events]


async def test_a_chargeback_goes_to_a_person_as_a_payment_dispute(backend):
    start = says("my payment is wrong, i'm filing a chargeback", "payment_issue")
    slots = slot_values(await ValidatePaymentIssueForm().run(CollectingDispatcher(), start, DOMAIN))
    assert slots["payment_problem"] == "dispute"
    dispatcher = CollectingDispatcher()
    events = await ActionPaymentIssue().run(dispatcher, says("", "payment_issue", slots=slots), {})
    assert slot_values(events)["handoff_reason"] == "Payment dispute"
    assert events[-1] == {"event": "followup", "name": "action_handoff", "timestamp": None}
    assert names(dispatcher) == ["utter_payment_dispute_handoff"]


async def test_something_else_offers_a_person(backend):
    picked = says("Something else", "out_of_scope", form="payment_issue_form", requested="payment_problem")
    slots = slot_values(await ValidatePaymentIssueForm().run(CollectingDispatcher(), picked, DOMAIN))
    assert slots["payment_problem"] == "other"
    dispatcher = CollectingDispatcher()
    await ActionPaymentIssue().run(dispatcher, says("", "payment_issue", slots=slots), {})
    assert names(dispatcher) == ["utter_payment_other"] and "/contact_human_agent" in payloads(dispatcher)


async def test_payment_methods_with_billing_down_is_a_polite_message(backend_down):
    dispatcher = CollectingDispatcher()
    await ActionPaymentIssue().run(dispatcher, says("", "payment_issue", slots={"payment_problem": "card_declined"}), {})
    assert names(dispatcher) == ["utter_backend_down"]
