"""Harbor Plus cancel/pause and cancellation-fee answers, against the live demo
service. Amounts from the seed and the policy: S-302 (Daniel Okafor, annual
$99.00) has 8 unused months = $66.00, minus the $15.00 fee = $51.00 back.

Tests that change billing use `fresh_backend` (tests/actions/conftest.py),
a demo service of this module's own.
"""
from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.shared.asking import ASK_ACTIONS
from actions.shared.common import friendly_date
from actions.subscriptions import (ActionAskCancelSubscriptionConfirmed, ActionCancelSubscription,
                                   ActionCancellationFee, ActionPauseSubscription,
                                   ValidateCancelSubscriptionForm, ValidatePauseSubscriptionForm)
from tests.support.crm import clients as api_clients, latest_code
from tests.support.dispatch import names, payloads, text_of
from tests.support.domain import with_forms
from tests.support.events import slot_values
from tests.support.trackers import says

DOMAIN = with_forms("cancel_subscription_form", "pause_subscription_form")
# A membership is the account's: proven with the one-time code sent to the email on file.
DANIEL = {"customer_verified": True, "customer_id": "C002", "customer_email": "daniel.okafor@example.com",
          "verified_by": "code"}
MAYA = {"customer_verified": True, "customer_id": "C001", "customer_email": "maya.patel@example.com",
        "verified_by": "code"}
SOFIA = {"customer_verified": True, "customer_id": "C003", "customer_email": "sofia.rossi@example.com",
         "verified_by": "code"}


async def daniels_quote(backend) -> Dict[str, Any]:
    """Daniel proves his account in the cancellation form (his email, then the
    one-time code sent to it): the slots it sets."""
    form = ValidateCancelSubscriptionForm()
    tracker = says("daniel.okafor@example.com", "inform", form="cancel_subscription_form",
                   requested="customer_email", set_now={"customer_email": "daniel.okafor@example.com"})
    slots = slot_values(await form.run(CollectingDispatcher(), tracker, DOMAIN))
    assert slots["code_sent_to"] == "d***@example.com" and "customer_id" not in slots
    code = latest_code(backend, "daniel.okafor@example.com")
    tracker = says(code, "inform", form="cancel_subscription_form", requested="verification_code",
                   slots=slots, set_now={"verification_code": code})
    return {**slots, **slot_values(await form.run(CollectingDispatcher(), tracker, DOMAIN))}


async def test_daniel_hears_51_dollars_back_before_he_confirms(backend):
    slots = await daniels_quote(backend)
    assert slots["customer_id"] == "C002" and slots["requested_slot"] == "cancel_subscription_confirmed"
    assert slots["subscription"]["id"] == "S-302" and slots["cancellation_quote"]["refund_amount"] == "51.00"
    dispatcher = CollectingDispatcher()
    await ActionAskCancelSubscriptionConfirmed().run(dispatcher, says("", "inform", slots=slots), {})
    quote = text_of(dispatcher)
    assert "8 unused months, worth $66.00" in quote
    assert "minus the $15.00 early cancellation fee: $51.00 back" in quote
    assert "pause it for up to 3 months" in quote
    assert payloads(dispatcher) == ["/affirm", "/pause_subscription", "/deny"]
    sub = billing_get(backend, "/subscriptions/S-302")
    assert sub["status"] == "active" and sub["cancel_at"] is None  # nothing changed yet


def billing_get(server, path: str) -> Dict[str, Any]:
    return api_clients(server)["billing"].get(path).body


async def test_cancelling_daniels_annual_plan_refunds_51_dollars(fresh_backend, private_crm):
    slots = await daniels_quote(private_crm)
    dispatcher = CollectingDispatcher()
    tracker = says("/affirm", "affirm", slots={**slots, "cancel_subscription_confirmed": True})
    events = await ActionCancelSubscription().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_subscription_cancelled_annual"]
    done = text_of(dispatcher)
    assert "You get $51.00 back ($66.00 for 8 unused months, minus the $15.00 early cancellation fee)" in done
    assert slot_values(events)["cancel_subscription_confirmed"] is None
    sub = fresh_backend["billing"].get("/subscriptions/S-302").body
    assert sub["status"] == "cancelled"
    refunds = fresh_backend["billing"].get("/refunds", params={"customer_id": "C002"}).body["refunds"]
    assert [r["amount"] for r in refunds if r.get("subscription_id") == "S-302"] == ["51.00"]

    # Once cancelled, asking again says so and changes nothing.
    again = slot_values(await ValidateCancelSubscriptionForm().run(CollectingDispatcher(), says(
        "cancel my plus", "cancel_subscription", slots=DANIEL), DOMAIN))
    assert again["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionCancelSubscription().run(dispatcher, says("", "inform", slots={**DANIEL, **again}), {})
    assert names(dispatcher) == ["utter_subscription_already_cancelled"]


async def test_the_monthly_plan_is_free_to_cancel_and_runs_to_the_end_of_the_paid_month(backend):
    tracker = says("cancel my membership", "cancel_subscription", slots=MAYA)
    slots = slot_values(await ValidateCancelSubscriptionForm().run(CollectingDispatcher(), tracker, DOMAIN))
    assert slots["subscription"]["id"] == "S-301"
    dispatcher = CollectingDispatcher()
    await ActionAskCancelSubscriptionConfirmed().run(dispatcher, says("", "inform", slots=slots), {})
    renews = slots["subscription"]["renews_at"]
    assert "($9.99 a month) can be cancelled without a fee" in text_of(dispatcher)
    assert f"stays active until {friendly_date(renews)}" in text_of(dispatcher)


async def test_keep_it_keeps_the_membership(backend):
    slots = await daniels_quote(backend)
    form = ValidateCancelSubscriptionForm()
    kept = says("/deny", "deny", form="cancel_subscription_form", requested="cancel_subscription_confirmed",
                slots={**DANIEL, **slots})
    answer = slot_values(await form.run(CollectingDispatcher(), kept, DOMAIN))
    assert answer["cancel_subscription_confirmed"] is False and answer["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionCancelSubscription().run(dispatcher, says("", "deny", slots={**slots, **answer}), {})
    assert names(dispatcher) == ["utter_subscription_kept"]
    assert billing_get(backend, "/subscriptions/S-302")["status"] == "active"


async def test_pause_instead_switches_to_the_pause_form(backend):
    slots = await daniels_quote(backend)
    picked = says("/pause_subscription", "pause_subscription", form="cancel_subscription_form",
                  requested="cancel_subscription_confirmed", slots={**DANIEL, **slots})
    events = await ValidateCancelSubscriptionForm().run(CollectingDispatcher(), picked, DOMAIN)
    assert [e["event"] for e in events] == ["action_execution_rejected"]


async def test_a_customer_without_harbor_plus_is_told_so(backend):
    slots = slot_values(await ValidateCancelSubscriptionForm().run(
        CollectingDispatcher(), says("cancel harbor plus", "cancel_subscription", slots=SOFIA), DOMAIN))
    assert slots["subscription"] == {"id": None} and slots["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionCancelSubscription().run(dispatcher, says("", "inform", slots={**SOFIA, **slots}), {})
    assert names(dispatcher) == ["utter_no_subscription"]


async def test_whatsapp_number_verifies_daniel_without_an_email(backend):
    tracker = says("cancel my harbor plus", "cancel_subscription",
                   metadata={"channel_identity": {"type": "phone", "value": "+447700900123"}})
    slots = slot_values(await ValidateCancelSubscriptionForm().run(CollectingDispatcher(), tracker, DOMAIN))
    assert slots["customer_id"] == "C002" and slots["verified_by"] == "channel"
    assert slots["requested_slot"] == "cancel_subscription_confirmed"


async def test_unverified_customer_hears_nothing_about_the_membership(backend):
    form = ValidateCancelSubscriptionForm()
    dispatcher = CollectingDispatcher()
    wrong = says("nobody@example.com", "inform", form="cancel_subscription_form", requested="customer_email",
                 slots={"verification_attempts": 2.0}, set_now={"customer_email": "nobody@example.com"})
    slots = slot_values(await form.run(dispatcher, wrong, DOMAIN))
    assert slots["verification_attempts"] == 3.0 and "subscription" not in slots
    dispatcher = CollectingDispatcher()
    events = await ActionCancelSubscription().run(dispatcher, says("", "inform", slots=slots), {})
    assert names(dispatcher) == ["utter_account_verification_failed"]
    assert "$" not in text_of(dispatcher) and slot_values(events)["handoff_reason"]


async def test_membership_lookup_with_billing_down_is_a_polite_message(backend_down):
    dispatcher = CollectingDispatcher()
    slots = slot_values(await ValidateCancelSubscriptionForm().run(
        dispatcher, says("cancel harbor plus", "cancel_subscription", slots=DANIEL), DOMAIN))
    assert slots["backend_down"] is True and slots["requested_slot"] is None
    assert names(dispatcher) == ["utter_backend_down"]
    dispatcher = CollectingDispatcher()
    events = await ActionCancelSubscription().run(dispatcher, says("", "inform", slots={**DANIEL, **slots}), {})
    assert dispatcher.messages == [] and slot_values(events)["backend_down"] is None


# -- pausing -------------------------------------------------------------------------------

async def test_pausing_asks_one_two_or_three_months(backend):
    slots = slot_values(await ValidatePauseSubscriptionForm().run(
        CollectingDispatcher(), says("pause my membership", "pause_subscription", slots=MAYA), DOMAIN))
    assert slots["requested_slot"] == "pause_months"
    dispatcher = CollectingDispatcher()
    await ASK_ACTIONS["utter_ask_pause_months"]().run(dispatcher, says("", "inform"), {})
    assert payloads(dispatcher) == ["1 month", "2 months", "3 months"]


@pytest.mark.parametrize("answer, months", [("2 months", 2.0), ("3", 3.0), ("one month", 1.0)])
async def test_the_months_answer_is_understood(backend, answer, months):
    tracker = says(answer, "inform", form="pause_subscription_form", requested="pause_months",
                   slots={**MAYA, "subscription": {"id": "S-301", "status": "active"}})
    slots = slot_values(await ValidatePauseSubscriptionForm().run(CollectingDispatcher(), tracker, DOMAIN))
    assert slots["pause_months"] == months and slots["requested_slot"] is None


async def test_more_than_three_months_explains_the_limit_and_asks_again(backend):
    dispatcher = CollectingDispatcher()
    tracker = says("6 months", "delivery_period", form="pause_subscription_form", requested="pause_months",
                   slots={**MAYA, "subscription": {"id": "S-301", "status": "active"}})
    slots = slot_values(await ValidatePauseSubscriptionForm().run(dispatcher, tracker, DOMAIN))
    assert slots["pause_months"] is None and slots["requested_slot"] == "pause_months"
    assert "paused for 3 months at most" in text_of(dispatcher)


async def test_pausing_for_two_months_is_free_and_says_until_when(fresh_backend):
    dispatcher = CollectingDispatcher()
    slots = {**MAYA, "subscription": {"id": "S-301", "plan": "Harbor Plus Monthly", "status": "active"},
             "pause_months": 2.0}
    await ActionPauseSubscription().run(dispatcher, says("2 months", "inform", slots=slots), {})
    assert names(dispatcher) == ["utter_subscription_paused"]
    sub = fresh_backend["billing"].get("/subscriptions/S-301").body
    assert sub["status"] == "paused"
    assert f"paused for 2 months, until {friendly_date(sub['paused_until'])}" in text_of(dispatcher)
    assert "no fee" in text_of(dispatcher)


# -- "is there a cancellation fee?" -----------------------------------------------------------

async def test_a_verified_annual_member_gets_their_own_fee_numbers(backend):
    dispatcher = CollectingDispatcher()
    events = await ActionCancellationFee().run(
        dispatcher, says("what does it cost to cancel my annual plan", "check_cancellation_fee", slots=DANIEL), {})
    assert events == [] and names(dispatcher) == ["utter_cancellation_fee_annual"]
    assert "you'd get $51.00 back: $66.00 for 8 unused months, minus the $15.00" in text_of(dispatcher)


async def test_without_verification_the_fee_question_gets_the_policy(backend):
    dispatcher = CollectingDispatcher()
    events = await ActionCancellationFee().run(
        dispatcher, says("is there a fee to cancel harbor plus", "check_cancellation_fee"), {})
    assert dispatcher.messages == []
    assert [(e["event"], e["name"]) for e in events] == [("followup", "action_answer_policy")]


async def test_a_fee_question_about_an_order_gets_the_policy(backend):
    events = await ActionCancellationFee().run(
        CollectingDispatcher(), says("is it free to cancel my order before it ships", "check_cancellation_fee",
                                     slots=DANIEL), {})
    assert [(e["event"], e["name"]) for e in events] == [("followup", "action_answer_policy")]


async def test_switching_from_pause_to_cancel_still_shows_the_quote_first(backend):
    paused_form = slot_values(await ValidatePauseSubscriptionForm().run(
        CollectingDispatcher(), says("pause my plan", "pause_subscription", slots=DANIEL), DOMAIN))
    assert paused_form["subscription"]["id"] == "S-302" and "cancellation_quote" not in paused_form
    switched = says("actually cancel it", "cancel_subscription",
                    slots={**DANIEL, "subscription": paused_form["subscription"]})
    slots = slot_values(await ValidateCancelSubscriptionForm().run(CollectingDispatcher(), switched, DOMAIN))
    assert slots["cancellation_quote"]["refund_amount"] == "51.00"
    assert slots["requested_slot"] == "cancel_subscription_confirmed"
