"""Returns and refund requests, against a live demo CRM/billing service.

`Conversation` plays the form the way Rasa does: for each customer message it
gives the form's validation action the tracker Rasa would (the slots so far,
the message, what global slot mappings took from it), keeps the slots it sets,
asks the next question with the form's ask actions, and ends with the submit
action. The module has its own demo service, so the returns it creates don't
change the data other test modules see.
"""
from __future__ import annotations

import itertools
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.shared.common import friendly_date
from actions.shared.messages import catalogue, message_name
from actions.returns import (ActionAskReturnConfirmed, ActionAskReturnItems, ActionRefundRequest,
                             ActionSubmitReturn, ValidateRefundRequestForm, ValidateReturnForm)
from tests.support.crm import clients, start_demo_crm
from tests.support.dispatch import names, text_of
from tests.support.domain import required, with_forms
from tests.support.events import followups, slot_values
from tests.support.procs import ROOT
from tests.support.trackers import says

DOMAIN = with_forms("return_form", "refund_request_form")
MAYA, DANIEL, LIAM, AVA, SOFIA = ("maya.patel@example.com", "daniel.okafor@example.com",
                                  "liam.chen@example.com", "ava.johnson@example.com",
                                  "sofia.rossi@example.com")
FEE = Decimal("6.95")
_message_ids = itertools.count(1)


@pytest.fixture(scope="module")
def demo_crm(tmp_path_factory):
    """A demo service of this module's own (overrides the session-wide one)."""
    srv = start_demo_crm(tmp_path_factory.mktemp("returns_crm"))
    yield srv
    srv.stop()


def policy_refund(price: str, fee: Decimal, store_credit: bool) -> str:
    """knowledge/harbor_policies.md: the fee comes off; store credit adds 10% of the rest."""
    net = Decimal(price) - fee
    bonus = (net * Decimal("0.10")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if store_credit else 0
    return f"${net + bonus:,.2f}"


class Conversation:
    """One customer talking to a form, through its real validation and ask actions."""

    def __init__(self, form: str = "return_form", fixture: str = "returns_start") -> None:
        self.form, self.fixture = form, fixture
        self.validator = ValidateReturnForm if form == "return_form" else ValidateRefundRequestForm
        self.required = required(form)
        self.state: Dict[str, Any] = {"requested_slot": None}
        self.user_event: Dict[str, Any] = {}
        self.messages: List[Dict[str, Any]] = []
        self.events: List[Dict[str, Any]] = []

    def _tracker(self, text: str, intent: str, entities: Sequence[Tuple[str, str]],
                 mapped: Dict[str, Any]):
        tracker = says(fixture=self.fixture, as_recorded=True, slots={**self.state, **mapped}, text=text, intent=intent)
        tracker.latest_message["entities"] = [{"entity": k, "value": v} for k, v in entities]
        n = next(_message_ids)
        self.user_event = {"event": "user", "text": text, "parse_data": tracker.latest_message,
                           "message_id": f"msg-{n}", "timestamp": 10.0 + n, "metadata": {}}
        slot = lambda name, value: {"event": "slot", "name": name, "value": value}  # noqa: E731
        tracker.events += [slot(k, v) for k, v in self.state.items()]
        tracker.events += [self.user_event] + [slot(k, v) for k, v in mapped.items()]
        # What Rasa's form adds before calling the validation: its own run, then the candidates.
        tracker.events += [slot("requested_slot", self.state.get("requested_slot")),
                           {"event": "action", "name": self.form}]
        tracker.events += [slot(k, v) for k, v in mapped.items()]
        return tracker

    def tracker(self):
        """The tracker after the latest message (for ask and submit actions)."""
        tracker = says(fixture=self.fixture, as_recorded=True, slots=dict(self.state))
        tracker.events.append(self.user_event)
        return tracker

    async def say(self, text: str, intent: str = "inform",
                  entities: Sequence[Tuple[str, str]] = (), **mapped: Any) -> List[Dict[str, Any]]:
        """`mapped`: slots the domain's global mappings fill from the message (order_id)."""
        dispatcher = CollectingDispatcher()
        tracker = self._tracker(text, intent, entities, mapped)
        self.events = await self.validator().run(dispatcher, tracker, DOMAIN)
        self.state.update(mapped)
        self.state.update(slot_values(self.events))
        if self.rejected:
            self.messages = dispatcher.messages
            return self.messages
        if "requested_slot" not in slot_values(self.events):
            self.state["requested_slot"] = next(
                (s for s in self.required if self.state.get(s) is None), None)
        ask = {"return_items": ActionAskReturnItems,
               "return_confirmed": ActionAskReturnConfirmed}.get(self.state["requested_slot"])
        if ask:
            await ask().run(dispatcher, self.tracker(), DOMAIN)
        self.messages = dispatcher.messages
        return self.messages

    @property
    def rejected(self) -> bool:
        return any(e.get("event") == "action_execution_rejected" for e in self.events)

    @property
    def asking(self) -> Optional[str]:
        return self.state.get("requested_slot")

    async def submit(self, domain: Optional[Dict[str, Any]] = None) -> Tuple[List[Dict], List[Dict]]:
        assert self.asking is None, f"the form still asks for {self.asking}"
        action = ActionSubmitReturn() if self.form == "return_form" else ActionRefundRequest()
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, self.tracker(), domain or DOMAIN)
        self.state.update(slot_values(events))
        return dispatcher.messages, events


async def verified(order_id: str, email: str, first: str = "I want to return something") -> Conversation:
    talk = Conversation()
    await talk.say(first, "return_item", [("order_id", order_id)], order_id=order_id)
    await talk.say(email, "inform", [("email", email)])
    return talk


async def ready_to_confirm(order_id: str, email: str, item: Optional[str], reason: str,
                           condition_reply: Tuple[str, str, Sequence], method: str) -> Conversation:
    talk = await verified(order_id, email)
    if item:
        await talk.say(f'/inform{{"product":"{item}"}}', "inform", [("product", item)])
    await talk.say(reason, "inform")
    await talk.say(*condition_reply)
    await talk.say(f'/inform{{"refund_method":"{method}"}}', "inform", [("refund_method", method)])
    assert talk.asking == "return_confirmed"
    return talk


NO_DAMAGE = ("/deny", "deny", ())


# --- asking the right questions -----------------------------------------------------------

async def test_eligibility_is_not_revealed_before_the_customer_is_verified(backend):
    talk = Conversation()
    messages = await talk.say("return order 10233", "return_item", [("order_id", "10233")],
                              order_id="10233")
    assert talk.asking == "customer_email" and messages == []
    assert talk.state.get("return_ineligible") is None and talk.state.get("return_order_items") is None


async def test_a_two_item_order_asks_which_item_with_a_button_per_item(backend):
    talk = await verified("10232", MAYA)
    assert talk.asking == "return_items"
    [question] = talk.messages
    assert message_name(question) == "utter_return_which_item"
    assert [b["title"] for b in question["buttons"]] == ["Merino Wool Sweater (M)", "Canvas Tote", "All of them"]
    assert question["buttons"][0]["payload"] == '/inform{"product":"SWT-MER-M"}'


async def test_a_single_item_order_skips_the_item_question(backend):
    talk = await verified("10239", AVA)
    assert talk.state["return_items"] == ["DSK-STD"]
    assert talk.asking == "return_reason"


async def test_details_given_in_the_first_message_are_not_asked_again(backend):
    talk = Conversation()
    await talk.say("my sweater from 10232 arrived cracked, I want to return it", "return_item",
                   [("product", "Merino Wool Sweater"), ("order_id", "10232"), ("return_reason", "damaged")],
                   order_id="10232")
    await talk.say(MAYA, "inform", [("email", MAYA)])
    assert talk.state["return_items"] == ["SWT-MER-M"]
    assert talk.state["return_condition"] == "damaged" and talk.state["return_reason"] == "arrived damaged"
    assert talk.asking == "return_refund_method"


async def test_low_confidence_answers_still_answer_the_question_asked(backend):
    talk = await verified("10232", MAYA)
    await talk.say("both", "nlu_fallback")
    assert talk.state["return_items"] == ["SWT-MER-M", "TOTE-01"] and talk.asking == "return_reason"
    await talk.say("changed my mind", "inform", [("return_reason", "changed_mind")])
    await talk.say("none of these", "nlu_fallback")
    assert talk.state["return_condition"] == "none"
    await talk.say("refund to my card", "nlu_fallback")
    assert talk.state["return_refund_method"] == "original_payment" and talk.asking == "return_confirmed"
    assert "Merino Wool Sweater (M) and Canvas Tote: refund $138.05" in text_of(talk.messages)


async def test_typed_answers_are_understood_and_unclear_ones_asked_again(backend):
    talk = await verified("10232", MAYA)
    await talk.say("the tote", "inform")
    assert talk.state["return_items"] == ["TOTE-01"] and talk.asking == "return_reason"
    await talk.say("bought it as a gift but they have one", "inform")
    assert talk.asking == "return_condition"
    await talk.say("maybe", "inform")
    assert names(talk.messages) == ["utter_return_condition_unclear"] and talk.asking == "return_condition"
    await talk.say("nope it's fine", "deny")
    assert talk.state["return_condition"] == "none"
    await talk.say("gift card please", "inform")
    assert talk.state["return_refund_method"] == "store_credit"


async def test_a_corrected_order_number_replaces_the_first(backend):
    talk = Conversation()
    await talk.say("i'd like to return order 10231", "return_item", [("order_id", "10231")], order_id="10231")
    await talk.say("no, order 10232", "deny", [("order_id", "10232")], order_id="10232")
    assert talk.state["order_id"] == "10232" and talk.asking == "customer_email"
    await talk.say(MAYA, "inform", [("email", MAYA)])
    assert talk.state["return_checked_order"] == "10232" and talk.asking == "return_items"
    assert talk.state.get("return_ineligible") is None


async def test_a_policy_question_with_an_order_number_is_let_through_and_the_order_kept(backend):
    talk = await verified("10232", MAYA)
    await talk.say("what's the return window for order 10235?", "ask_return_policy",
                   [("order_id", "10235")], order_id="10235")
    assert talk.rejected and talk.state["order_id"] == "10232"


async def test_another_request_mid_form_is_let_through_to_the_switch(backend):
    talk = await verified("10232", MAYA)
    await talk.say('/inform{"product":"SWT-MER-M"}', "inform", [("product", "SWT-MER-M")])
    await talk.say("actually where is my order 10231?", "track_order", [("order_id", "10231")],
                   order_id="10231")
    assert talk.rejected and talk.state["order_id"] == "10231"  # tracking takes it from here


# --- amounts: the CRM's quote, checked against the policy ------------------------------------

async def test_the_summary_refunds_113_05_for_the_sweater_after_the_6_95_fee(backend):
    talk = await ready_to_confirm("10232", MAYA, "SWT-MER-M", "too small", NO_DAMAGE, "original_payment")
    [summary] = talk.messages
    assert message_name(summary) == "utter_return_summary_card_fee"
    assert policy_refund("120.00", FEE, False) == "$113.05"
    assert summary["text"].startswith("Merino Wool Sweater (M): refund $113.05 to your original "
                                      "payment method after the $6.95 return shipping fee")
    assert [b["payload"] for b in summary["buttons"]] == ["/affirm", "/deny"]


async def test_store_credit_adds_the_10_percent_bonus_to_what_is_left_after_the_fee(backend):
    talk = await ready_to_confirm("10232", MAYA, "SWT-MER-M", "too small", NO_DAMAGE, "store_credit")
    [summary] = talk.messages
    assert message_name(summary) == "utter_return_summary_credit_fee"
    assert policy_refund("120.00", FEE, True) == "$124.36"
    assert "$124.36 in Harbor store credit ($113.05 after the $6.95 return shipping fee, plus a " \
           "$11.31 bonus)" in summary["text"]


async def test_a_damaged_item_is_returned_without_the_fee(backend):
    damaged = ('/inform{"return_reason":"damaged"}', "inform", [("return_reason", "damaged")])
    talk = await ready_to_confirm("10232", MAYA, "SWT-MER-M", "the seams came apart", damaged,
                                  "original_payment")
    [summary] = talk.messages
    assert message_name(summary) == "utter_return_summary_card_free"
    assert policy_refund("120.00", Decimal(0), False) == "$120.00"
    assert "refund $120.00" in summary["text"] and "because it arrived damaged" in summary["text"]
    assert "fee" not in summary["text"]


async def test_changing_the_refund_method_at_the_summary_shows_new_amounts(backend):
    talk = await ready_to_confirm("10232", MAYA, "SWT-MER-M", "too small", NO_DAMAGE, "original_payment")
    await talk.say("actually store credit", "inform", [("refund_method", "store_credit")])
    assert talk.asking == "return_confirmed" and "$124.36 in Harbor store credit" in text_of(talk.messages)


# --- outcomes ---------------------------------------------------------------------------------

async def test_declining_the_summary_creates_nothing(backend):
    talk = await ready_to_confirm("10240", LIAM, None, "sound is tinny", NO_DAMAGE, "original_payment")
    await talk.say("no", "deny")
    messages, _ = await talk.submit()
    assert names(messages) == ["utter_return_not_created"]
    assert clients(backend)["billing"].get("/refunds", params={"order_id": "10240"}).body == {"refunds": []}


async def test_a_confirmed_return_gets_an_rma_and_the_label_goes_to_the_masked_email(backend):
    talk = await ready_to_confirm("10232", MAYA, "SWT-MER-M", "too small", NO_DAMAGE, "original_payment")
    await talk.say("yes", "affirm")
    confirmed = dict(talk.state)
    messages, events = await talk.submit()
    [done] = messages
    assert message_name(done) == "utter_return_created_card"
    rma = re.search(r"\bRMA-\w{6}\b", done["text"]).group(0)
    assert "the prepaid label has been sent to m***@example.com" in done["text"]
    assert "$113.05" in done["text"] and MAYA not in str(messages)
    assert slot_values(events)["return_items"] is None  # the next return starts fresh
    # Rasa repeating the action for the same message creates nothing twice.
    talk.state = confirmed
    again, _ = await talk.submit()
    assert rma in again[0]["text"]
    refunds = clients(backend)["billing"].get("/refunds", params={"order_id": "10232"}).body["refunds"]
    assert [(r["amount"], r["status"]) for r in refunds] == [("113.05", "awaiting_item")]


async def test_an_item_already_returned_is_named_and_not_returned_twice(backend):
    # Runs after the sweater's return above (this module's service keeps it).
    talk = await verified("10232", MAYA)
    await talk.say("both", "nlu_fallback")
    await talk.say("too small", "inform")
    await talk.say(*NO_DAMAGE)
    await talk.say("original payment", "inform", [("refund_method", "original_payment")])
    assert talk.state["return_ineligible"] == "already_returned" and talk.asking is None
    [told], _ = await talk.submit()
    assert message_name(told) == "utter_return_already_returned"
    assert "Merino Wool Sweater (M) from order 10232" in told["text"] and "Tote" not in told["text"]


async def test_store_credit_is_created_with_the_bonus_and_is_in_the_account_at_once(backend):
    talk = await ready_to_confirm("10232", MAYA, "TOTE-01", "changed my mind", NO_DAMAGE, "store_credit")
    await talk.say("yes", "affirm")
    [done], _ = await talk.submit()
    assert message_name(done) == "utter_return_created_store_credit"
    assert policy_refund("25.00", FEE, True) == "$19.86"
    assert "Your $19.86 in Harbor store credit (with a $1.81 bonus) is already in your account" in done["text"]


async def test_a_refund_over_500_is_created_and_handed_to_a_person_for_approval(backend):
    talk = await ready_to_confirm("10239", AVA, None, "too big for my room", NO_DAMAGE, "original_payment")
    assert names(talk.messages) == ["utter_return_summary_needs_approval", "utter_return_summary_card_fee"]
    await talk.say("yes", "affirm")
    [told], events = await talk.submit()
    assert message_name(told) == "utter_return_needs_approval_card"
    assert "must be approved by a person" in told["text"] and "$742.05" in told["text"]
    reason = slot_values(events)["handoff_reason"]
    assert "10239" in reason and "Standing Desk" in reason and "$749.00" in reason and "over $500" in reason
    assert followups(events) == ["action_handoff"]
    assert slot_values(events).get("order_id", "10239") == "10239"  # the agent sees the order
    [refund] = clients(backend)["billing"].get("/refunds", params={"order_id": "10239"}).body["refunds"]
    assert refund["status"] == "pending_approval"


# --- orders that cannot be returned -------------------------------------------------------------

async def test_past_the_30_day_window_the_form_ends_and_the_rule_is_explained(backend):
    talk = await verified("10233", MAYA)
    assert talk.state["return_ineligible"] == "return_window_expired" and talk.asking is None
    [told], events = await talk.submit()
    assert message_name(told) == "utter_return_window_expired"
    order = clients(backend)["crm"].get("/orders/10233").body
    assert "within 30 days of delivery" in told["text"]
    assert friendly_date(order["return_window_ends"]) in told["text"]
    assert "/contact_human_agent" in [b["payload"] for b in told["buttons"]]
    assert "10233" in slot_values(events)["handoff_reason"]


async def test_a_final_sale_item_cannot_be_returned(backend):
    talk = await verified("10235", DANIEL)
    assert talk.state["return_ineligible"] == "final_sale"
    [told], _ = await talk.submit()
    assert message_name(told) == "utter_return_final_sale"
    assert "Clearance Rain Jacket was sold as final sale" in told["text"]
    assert "/contact_human_agent" in [b["payload"] for b in told["buttons"]]


async def test_an_order_on_its_way_cannot_be_returned_yet(backend):
    talk = await verified("10231", MAYA)
    [told], _ = await talk.submit()
    assert message_name(told) == "utter_return_not_delivered_shipped"
    assert "hasn't arrived yet" in told["text"] and "unknown" not in told["text"]
    assert '/track_order{"order_id":"10231"}' in [b["payload"] for b in told["buttons"]]


async def test_an_order_not_shipped_yet_is_offered_cancelling_instead(backend):
    talk = await verified("10234", DANIEL)
    [told], _ = await talk.submit()
    assert message_name(told) == "utter_return_not_delivered_processing"
    assert "cancel it instead" in told["text"]
    assert '/cancel_order{"order_id":"10234"}' in [b["payload"] for b in told["buttons"]]


async def test_three_wrong_emails_end_the_form_and_reveal_nothing(backend):
    talk = Conversation()
    await talk.say("return order 10232", "return_item", [("order_id", "10232")], order_id="10232")
    for wrong in ("a@example.com", "b@example.com", "c@example.com"):
        await talk.say(wrong, "inform", [("email", wrong)])
    assert talk.asking is None
    messages, _ = await talk.submit()
    assert names(messages) == ["utter_verification_failed"]
    assert "Sweater" not in str(messages) and "$" not in str(messages)


# --- the backend is down ---------------------------------------------------------------------------

async def test_an_outage_during_verification_ends_the_form_politely(backend_down):
    talk = Conversation()
    await talk.say("return order 10232", "return_item", [("order_id", "10232")], order_id="10232")
    assert talk.state["backend_down"] is True and talk.asking is None
    assert names(talk.messages) == ["utter_backend_down"]
    messages, events = await talk.submit()
    assert messages == [] and slot_values(events)["backend_down"] is None  # explained once


async def test_an_outage_when_creating_the_return_is_a_polite_message_not_an_exception(backend_down):
    talk = Conversation()
    talk.state.update(order_id="10232", customer_id="C001", customer_verified=True,
                      verified_by="email", verified_orders=["10232"], return_items=["SWT-MER-M"], return_reason="too small", return_condition="none",
                      return_refund_method="original_payment", return_confirmed=True,
                      return_checked_order="10232")
    talk.user_event = {"event": "user", "text": "yes", "message_id": "msg-down", "timestamp": 5.0}
    messages, events = await talk.submit()
    assert names(messages) == ["utter_backend_down"]
    [failure] = slot_values(events)["backend_errors"]
    assert failure["system"] == "crm" and "10232" in failure["while"]


# --- refund requests ------------------------------------------------------------------------------------

async def refund_request(order_id: str, email: str, domain: Optional[Dict] = None):
    talk = Conversation("refund_request_form", "returns_refund_start")
    await talk.say(f"I want a refund for order {order_id}", "get_refund", [("order_id", order_id)],
                   order_id=order_id)
    await talk.say(email, "inform", [("email", email)])
    return await talk.submit(domain)


async def test_a_refund_for_a_delivered_order_is_offered_as_a_return(backend):
    [told], _ = await refund_request("10240", LIAM)
    assert message_name(told) == "utter_refund_request_via_return"
    assert "refund goes through a return" in told["text"]
    assert told["buttons"][0]["payload"] == '/return_item{"order_id":"10240"}'


async def test_a_cancelled_orders_refund_status_comes_from_billing(backend):
    [told], _ = await refund_request("10237", SOFIA)
    assert message_name(told) == "utter_refund_processing"  # as the refund-status flow says it
    assert "$75.50" in told["text"] and "Visa ending 4242" in told["text"]


async def test_a_duplicate_charge_is_named_and_routed_to_the_duplicate_charge_flow(backend):
    domain = {"forms": {**DOMAIN["forms"], "duplicate_charge_form": {"required_slots": ["order_id"]}}}
    messages, events = await refund_request("10238", LIAM, domain)
    assert messages == []  # the duplicate-charge form names the charge and asks
    assert followups(events) == ["duplicate_charge_form"] and slot_values(events) == {}
    # Without that flow, the customer hears it from here and is offered a person.
    messages, events = await refund_request("10238", LIAM)
    assert names(messages) == ["utter_refund_request_duplicate_charge", "utter_offer_human"]
    assert "charged twice: $349.00 on your Visa ending 1881" in messages[0]["text"]
    assert "P-9002" in slot_values(events)["handoff_reason"]


async def test_orders_not_delivered_get_their_options_instead_of_a_refund(backend):
    [processing], _ = await refund_request("10234", DANIEL)
    [shipped], _ = await refund_request("10231", MAYA)
    assert message_name(processing) == "utter_refund_request_not_shipped"
    assert message_name(shipped) == "utter_refund_request_in_transit" and "unknown" not in shipped["text"]


async def test_a_refund_request_for_another_customers_order_reveals_nothing(backend):
    talk = Conversation("refund_request_form", "returns_refund_start")
    talk.state.update(customer_id="C001", customer_verified=True, customer_email=MAYA)
    await talk.say("refund order 10239", "get_refund", [("order_id", "10239")], order_id="10239")
    assert names(talk.messages) == ["utter_order_not_on_account"]
    assert talk.state["order_id"] is None and "749" not in str(talk.messages)


# --- every message the actions use exists ------------------------------------------------------------

def test_every_message_the_return_actions_use_is_defined():
    source = "\n".join(path.read_text() for path in sorted((ROOT / "actions" / "returns").glob("*.py")))
    used = {name for name in re.findall(r'"(utter_[a-z_]+)"', source) if not name.endswith("_")}
    used |= {f"utter_return_summary_{m}_{f}" for m in ("card", "credit") for f in ("fee", "free")}
    used |= {f"utter_return_{k}_{m}" for k in ("created", "needs_approval") for m in ("card", "store_credit")}
    asked = {s for s in required("return_form")} - {
        "order_id", "customer_email", "return_items", "return_confirmed"}
    used |= {f"utter_ask_{slot}" for slot in asked}
    assert used - set(catalogue()) == set()
