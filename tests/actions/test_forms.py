"""What every form shares (actions/shared/forms.py): stepping aside for policy
questions, other requests and "stop"; answers read only from answers; an email
given before the order number checked once the order is known. Shown on the
tracking form, the smallest one, and checked against every form's rules."""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Dict, Set

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

import actions.account  # noqa: F401  (every form class is loaded below)
import actions.billing  # noqa: F401
import actions.invoices  # noqa: F401
import actions.order_changes  # noqa: F401
import actions.returns  # noqa: F401
import actions.subscriptions  # noqa: F401
from actions.shared.forms import INTERRUPTIONS, POLICY_INTENTS, CustomerForm
from actions.orders import ValidateTrackOrderForm
from actions.shared.switching import REQUEST_STARTERS
from tests.support.domain import with_forms
from tests.support.events import kinds, slot_values
from tests.support.trackers import says

ROOT = Path(__file__).resolve().parents[2]
TRACK = with_forms("track_order_form")
MAYA = "maya.patel@example.com"


def with_order_before(tracker, order_id: str):
    """The tracker, with `order_id` set before the customer's latest message."""
    first_user = next(i for i, e in enumerate(tracker.events) if e.get("event") == "user")
    tracker.events.insert(first_user, {"event": "slot", "name": "order_id", "value": order_id})
    return tracker


def forms() -> Dict[str, CustomerForm]:
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    concrete = {cls for cls in subclasses(CustomerForm) if not inspect.isabstract(cls)}
    return {cls().form_name(): cls() for cls in concrete}


def rule_intents(rules, form: str, first_action: str) -> Set[str]:
    """The intents of the rules that, while `form` is active, start with
    `first_action`: the form's own rules and the rules without a condition
    (after those, Rasa's RulePolicy goes back to the active form itself)."""
    found: Set[str] = set()
    for rule in rules:
        steps = rule.get("steps", [])
        if rule.get("condition", []) not in ([{"active_loop": form}], []) or len(steps) < 2:
            continue
        if steps[1].get("action") != first_action:
            continue
        first = steps[0]
        found |= {o["intent"] for o in first["or"]} if "or" in first else {first["intent"]}
    return found


# -- one list of interruptions ----------------------------------------------------------------

def test_interruptions_are_the_requests_the_policy_questions_and_small_talk():
    assert set(REQUEST_STARTERS) <= INTERRUPTIONS and POLICY_INTENTS <= INTERRUPTIONS
    assert {"stop", "greet", "thank_you", "nlu_fallback"} <= INTERRUPTIONS
    assert not {"inform", "affirm"} & INTERRUPTIONS


@pytest.mark.parametrize("form", sorted(forms()))
def test_every_forms_rules_take_what_the_form_steps_aside_for(form):
    rules = [rule for path in sorted((ROOT / "data" / "rules").glob("*.yml"))
             for rule in yaml.safe_load(path.read_text()).get("rules") or []]
    validation = forms()[form]
    assert rule_intents(rules, form, "action_deactivate_loop") == {"stop"}
    assert rule_intents(rules, form, "action_answer_policy") == set(POLICY_INTENTS)
    assert rule_intents(rules, form, "action_switch_request") == set(REQUEST_STARTERS) - validation.own_intents()


# -- the tracking form steps aside ---------------------------------------------------------------

async def test_a_policy_question_while_tracking_is_for_the_rules_and_its_order_number_no_answer(backend):
    question = with_order_before(says(
        "what's the return window for order 10235?", "ask_return_policy", form="track_order_form",
        requested="customer_email", slots={"order_id": "10231"}, set_now={"order_id": "10235"}), "10231")
    events = await ValidateTrackOrderForm().run(CollectingDispatcher(), question, TRACK)
    assert kinds(events) == ["action_execution_rejected", "slot"]
    assert slot_values(events) == {"order_id": "10231"}


async def test_another_request_with_a_zip_code_is_no_answer_to_the_tracking_form(backend):
    # The global mapping took the ZIP code for an order number; the form must not validate it.
    switch = with_order_before(says(
        "actually please send it to 350 W 42nd St, New York, NY 10036", "change_shipping_address",
        form="track_order_form", requested="customer_email", slots={"order_id": "10231"},
        set_now={"order_id": "10036"}), "10231")
    dispatcher = CollectingDispatcher()
    events = await ValidateTrackOrderForm().run(dispatcher, switch, TRACK)
    assert kinds(events) == ["action_execution_rejected"] and dispatcher.messages == []


async def test_another_request_is_not_taken_for_the_email_or_the_order_number(backend):
    form = ValidateTrackOrderForm()
    email = says("actually, where is my refund?", "track_refund", form="track_order_form",
                 requested="customer_email", slots={"order_id": "10231"})
    assert await form.extract_customer_email(CollectingDispatcher(), email, TRACK) == {}
    order = says("actually, cancel my order", "cancel_order", form="track_order_form", requested="order_id")
    assert await form.extract_order_id(CollectingDispatcher(), order, TRACK) == {}
    # its own request is no interruption: "where is my package" when asked the number is explained
    own = says("where is my package", "track_order", form="track_order_form", requested="order_id")
    assert await form.extract_order_id(CollectingDispatcher(), own, TRACK) == {"order_id": "where is my package"}


async def test_after_the_policy_answer_the_tracking_form_asks_again_and_reads_nothing(backend):
    back = says("how long does shipping take?", "delivery_period", form="track_order_form",
                requested="customer_email", slots={"order_id": "10231"},
                between=[{"event": "action_execution_rejected", "name": "track_order_form"},
                         {"event": "action", "name": "action_answer_policy"}])
    events = await ValidateTrackOrderForm().run(CollectingDispatcher(), back, TRACK)
    assert "action_execution_rejected" not in kinds(events)
    assert "customer_email" not in slot_values(events)


# -- an email before the order number ----------------------------------------------------------

async def test_an_email_given_before_the_order_number_verifies_once_the_order_is_known(backend):
    tracker = says("10231", "inform", form="track_order_form", requested="order_id",
                   slots={"customer_email": MAYA}, set_now={"order_id": "10231"})
    events = slot_values(await ValidateTrackOrderForm().run(CollectingDispatcher(), tracker, TRACK))
    assert events["customer_verified"] is True and events["customer_id"] == "C001"


async def test_a_wrong_email_given_before_the_order_number_is_asked_again_not_ignored(backend):
    tracker = says("10231", "inform", form="track_order_form", requested="order_id",
                   slots={"customer_email": "someone@example.com"}, set_now={"order_id": "10231"})
    dispatcher = CollectingDispatcher()
    events = slot_values(await ValidateTrackOrderForm().run(dispatcher, tracker, TRACK))
    assert events["customer_email"] is None and events["verification_attempts"] == 1.0
    assert [m.get("utter_action") for m in dispatcher.messages] == ["utter_email_mismatch"]
    assert "1Z999AA10123456784" not in str(dispatcher.messages)
