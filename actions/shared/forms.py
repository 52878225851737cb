"""What every form shares: stepping aside for interruptions, reading answers,
and verifying the customer's email once there is something to check it against.

A form asks one question at a time. The customer may answer it, or may:
- ask a policy question ("what's your refund policy?"): the flow's rules answer
  it with action_answer_policy and the form asks its question again;
- start another request ("actually, where is my package?"): the rules run
  action_switch_request (actions/shared/switching.py);
- say "stop": the rules end the form.
In all three the form *steps aside*: it rejects (ActionExecutionRejected), so
the rules take the message, even when a global slot mapping already took a
number or an email from it (order_id is any 4-12 digit number, e.g. a ZIP code
in an address). A question or "stop" is no answer, so what the mappings took
from it is undone; another request keeps it (the next form starts with it).
When the form comes back after the rules' answer it runs on the same message
again (`answering_latest_message` is False): then it neither steps aside nor
reads the old message as an answer.

`CustomerForm` is the base of every form. A form that acts on personal data
has a *proof* (its `proof` attribute), the part that verifies the customer
first: `OrderProof()` for one order (actions/shared/verification.py) or
`AccountProof()` for the whole account (actions/shared/account_verification.py).
The proof reads and checks its own slots (order_id, customer_email,
verification_code); the form keeps only what is particular to its flow, so a
form's whole behaviour is its own file plus this one.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Optional, Pattern, Set, Text, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.common import attempts_exhausted, entity_values, latest_intent, latest_text
from actions.shared.messages import utter
from actions.shared.naming import give_name
from actions.shared.requests import OTHER_QUESTIONS, POLICY_INTENTS, REQUEST_STARTERS, SMALL_TALK, starting

if TYPE_CHECKING:  # the proofs import this module
    from actions.shared.verification import Proof

ORDER_NUMBER = re.compile(r"(?<![\w-])#?(\d{4,12})(?![\w-])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
YES = re.compile(r"\b(yes|yeah|yep|sure|ok|okay|please do|go ahead|do it)\b", re.I)
NO = re.compile(r"\b(no|nope|don'?t|do not|leave it|not now)\b", re.I)

# The NLU wasn't sure: the two-stage fallback asks (data/rules/misc.yml).
LOW_CONFIDENCE = frozenset({"nlu_fallback", "out_of_scope"})
# What the rules take from a form: they stop it, answer and come back, or switch.
FOR_THE_RULES = frozenset({"stop"}) | POLICY_INTENTS | frozenset(REQUEST_STARTERS)
# Intents that interrupt a form instead of answering its question: the form
# must not swallow "what's your return policy?" as an order number.
INTERRUPTIONS = FOR_THE_RULES | SMALL_TALK | LOW_CONFIDENCE | OTHER_QUESTIONS | {"deny"}


def order_number(text: Any) -> Optional[str]:
    """The order number in `text` ('#10231', 'order 10231'), if any."""
    found = ORDER_NUMBER.search(str(text or ""))
    return found.group(1) if found else None


# -- where the conversation is --------------------------------------------------------------

def answering_latest_message(tracker: Tracker, form: str) -> bool:
    """True when the form runs right after the customer's latest message; False
    when it comes back after a digression (it was rejected and another action
    ran since) and the latest message is no longer for it."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action_execution_rejected":
            return False
        if kind == "action" and event.get("name") not in (
                form, "action_listen", "action_extract_slots", "action_validate_slot_mappings"):
            return False
    return False


def slot_before_latest_message(tracker: Tracker, slot: str) -> Any:
    """The value a slot had before the latest customer message was processed."""
    value = before = None
    for event in tracker.events:
        if event.get("event") == "user":
            before = value
        elif event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
    return before


def activating(tracker: Tracker, form: str) -> bool:
    """True while a form validates the slots it found filled when it started."""
    return (tracker.active_loop or {}).get("name") != form


def mentioned_order(tracker: Tracker) -> Optional[str]:
    """An order number in the latest message (entity or digits), if any."""
    for text in [*entity_values(tracker, "order_id"), latest_text(tracker)]:
        if order_number(text):
            return order_number(text)
    return None


# -- every form -------------------------------------------------------------------------------

class CustomerForm(FormValidationAction):
    """Steps aside for policy questions, other requests and "stop"; reads
    answers only from messages that are answers; verifies the customer with
    its `proof` before it asks anything else."""

    # Intents whose words may still answer the question asked, e.g. "both" or
    # "none of these" that the NLU wasn't sure about (the form validates them).
    may_answer: FrozenSet[str] = frozenset()
    # How the customer proves who they are (OrderProof, AccountProof), or None.
    proof: Optional["Proof"] = None

    def __init_subclass__(cls, form: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if form:  # class ValidateTrackOrderForm(CustomerForm, form="track_order_form")
            give_name(cls, f"validate_{form}")

    @abstractmethod
    def name(self) -> Text:
        """Given by `form=` in the class line; abstract until then, so that
        rasa-sdk registers only the concrete forms, never a shared base."""

    def own_intents(self) -> Set[str]:
        """The intents that start this very form: asking for it again is no interruption."""
        return set(starting(self.form_name()))

    def plainly_answers(self, tracker: Tracker) -> bool:
        """Whether the words plainly answer the question asked, whatever the
        intent ("2 months" read as a delivery question, "483920" as the code)."""
        return bool(self.proof and self.proof.plainly_answers(tracker))

    def answers_the_question(self, tracker: Tracker) -> bool:
        """Whether a message that starts another request also carries the answer
        to the question asked ("where's 10232?" when asked for the order number)."""
        asked = tracker.get_slot("requested_slot")
        return (self.plainly_answers(tracker)
                or (asked == "order_id" and bool(entity_values(tracker, "order_id")))
                or (asked == "customer_email" and bool(entity_values(tracker, "email"))))

    def not_an_answer(self, tracker: Tracker) -> bool:
        """Whether the latest message is an interruption rather than an answer."""
        intent = latest_intent(tracker)
        if intent in self.own_intents() or intent in self.may_answer:
            return False
        if intent in REQUEST_STARTERS:
            return not self.answers_the_question(tracker)
        if intent in POLICY_INTENTS:
            return not self.plainly_answers(tracker)
        return intent in INTERRUPTIONS

    def steps_aside(self, tracker: Tracker) -> bool:
        form = self.form_name()
        return ((tracker.active_loop or {}).get("name") == form
                and answering_latest_message(tracker, form)
                and latest_intent(tracker) in FOR_THE_RULES and self.not_an_answer(tracker))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if not self.steps_aside(tracker):
            events: List[EventType] = []
            if self.proof:
                events, done = await self.proof.prepare(self, dispatcher, tracker)
                if done:
                    return events
            return events + await super().run(dispatcher, tracker, domain)
        events = [ActionExecutionRejected(self.form_name())]
        if latest_intent(tracker) not in REQUEST_STARTERS:
            # "what's the return window for order 10235?" answers nothing: the
            # order number (or email) the mappings took from it is undone.
            for slot in tracker.slots_to_validate():
                before = slot_before_latest_message(tracker, slot)
                if slot != "requested_slot" and before != tracker.get_slot(slot):
                    events.append(SlotSet(slot, before))
        return events

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        form = self.form_name()
        if not activating(tracker, form) and not answering_latest_message(tracker, form):
            return []  # back after the rules took the message: it answers nothing here
        return await super().get_extraction_events(dispatcher, tracker, domain)

    # -- the proof: asked first, checked after each turn --

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if self.proof is None:
            return list(domain_slots)
        # An outage or too many failed proofs ends the form; its action explains.
        if tracker.get_slot("backend_down") or attempts_exhausted(tracker):
            return []
        if self.proof.proven(tracker):
            return [slot for slot in domain_slots if slot not in self.proof.slots]
        return list(domain_slots)

    async def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        """Slots to set once the proof holds (and the backends answer): what the flow looks up."""
        return {}

    def mismatch_message(self, tracker: Tracker) -> str:
        """What a wrong email is told (a refund form names the refund)."""
        return "utter_email_mismatch"

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if self.proof is None:
            return events
        tracker.add_slots(events)
        more: Dict[Text, Any] = {}
        email = tracker.get_slot("customer_email")
        if (email and self.proof.anchor(tracker) and not self.proof.proven(tracker)
                and not tracker.get_slot("backend_down") and not attempts_exhausted(tracker)):
            # The email came before the order (or refund) number, or proved
            # another order: check it against this one now.
            more = await self.validate_customer_email(email, dispatcher, tracker, domain)
            tracker.slots.update(more)
        if self.proof.proven(tracker) and not tracker.get_slot("backend_down"):
            found = await self.after_validation(dispatcher, tracker, domain)
            tracker.slots.update(found)
            more.update(found)
        return events + [SlotSet(key, value) for key, value in more.items()]

    # The proof's own slots: rasa-sdk finds these methods by name; the proof
    # reads and checks the answers (a form may add its own steps around them).

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return await self.proof.extract_order_id(self, tracker) if self.proof else {}

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if not self.proof:
            return {"order_id": value}
        return await self.proof.validate_order_id(self, value, dispatcher, tracker)

    async def extract_customer_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        return await self.proof.extract_customer_email(self, tracker) if self.proof else {}

    async def validate_customer_email(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if not self.proof:
            return {"customer_email": value}
        return await self.proof.validate_customer_email(self, value, dispatcher, tracker)

    async def extract_verification_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        return await self.proof.extract_verification_code(self, tracker) if self.proof else {}

    async def validate_verification_code(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if not self.proof:
            return {"verification_code": value}
        return await self.proof.validate_verification_code(self, value, dispatcher, tracker)

    # -- answers --

    def asked(self, tracker: Tracker, slot: str) -> bool:
        """`slot` was asked and the latest message is the customer's reply to it."""
        return (tracker.get_slot("requested_slot") == slot
                and answering_latest_message(tracker, self.form_name()))

    def free_text(self, tracker: Tracker, slot: str,
                  looks_valid: Callable[[str], bool] = lambda text: False) -> Dict[Text, Any]:
        """The latest message as the answer to `slot`, if it was asked and the
        message is not an interruption (unless it plainly is the answer)."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        text = latest_text(tracker)
        if not text or text.startswith("/"):
            return {}
        return {slot: text} if looks_valid(text) or not self.not_an_answer(tracker) else {}

    def yes_or_no(self, tracker: Tracker, slot: str, yes_intents: Tuple[str, ...] = ("affirm",),
                  no_words: Optional[Pattern] = None, yes_words: Pattern = YES) -> Dict[Text, Any]:
        """The answer to the yes/no question `slot`, if it was just asked: True
        or False, None when it is neither (validation asks again), nothing when
        the message is not for this question. Every yes/no slot is read here
        and stored as a bool."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        yes, no = True, False
        intent, text = latest_intent(tracker), latest_text(tracker)
        if intent == "deny" or (no_words and no_words.search(text)):
            return {slot: no}
        if intent in yes_intents:
            return {slot: yes}
        if self.not_an_answer(tracker):
            return {}  # a question or another request: the rules handle it
        if NO.search(text):
            return {slot: no}
        if yes_words.search(text):
            return {slot: yes}
        return {slot: None}

    @staticmethod
    def yes_or_no_answer(dispatcher: CollectingDispatcher, slot: str, value: Any,
                         unclear: Optional[str] = None) -> Dict[Text, Any]:
        """Validates what `yes_or_no` read: a bool stands; anything else is
        asked again (after the `unclear` message, if any)."""
        if isinstance(value, bool):
            return {slot: value}
        if unclear:
            utter(dispatcher, unclear)
        return {slot: None}
