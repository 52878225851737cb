"""Payment problems: payment_issue_form -> action_payment_issue.

What happened: charged twice (continues with the duplicate-charge form),
card declined (the usual fixes and the accepted methods), a dispute or
chargeback (a person at once), or something else (a person is offered).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.clients.base import BackendError
from actions.shared.common import backend_failure, latest_intent, latest_text, listed
from actions.shared.forms import CustomerForm
from actions.shared.messages import utter

PAYMENT_PROBLEMS = {"charged_twice", "card_declined", "dispute", "other"}
PROBLEM_WORDS = [  # first match wins: a dispute is never "just" a declined card
    ("dispute", re.compile(r"charge ?back|disput|fraud", re.I)),
    ("charged_twice", re.compile(r"twice|double|duplicate|two (charges|payments|times)|"
                                 r"\b2 (charges|payments|times)\b|\b2x\b", re.I)),
    ("card_declined", re.compile(r"declin|reject|refus|fail|did ?n[o']?t go through|not go through|"
                                 r"won'?t (take|accept)|not accept|does ?n'?t work|is ?n'?t working|"
                                 r"not working|error|can'?t pay|cannot pay|unable to pay", re.I)),
    ("other", re.compile(r"\b(something else|other|neither)\b", re.I)),
]


def payment_problem_in(text: str) -> Optional[str]:
    for problem, words in PROBLEM_WORDS:
        if words.search(text or ""):
            return problem
    return None


class ValidatePaymentIssueForm(CustomerForm, form="payment_issue_form"):
    def plainly_answers(self, tracker: Tracker) -> bool:
        return (tracker.get_slot("requested_slot") == "payment_problem"
                and (latest_intent(tracker) == "report_duplicate_charge"
                     or payment_problem_in(latest_text(tracker)) is not None))

    async def extract_payment_problem(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        asked = tracker.get_slot("requested_slot") == "payment_problem"
        text, intent = latest_text(tracker), latest_intent(tracker)
        problem = payment_problem_in(text)
        if problem is None and intent == "report_duplicate_charge":
            problem = "charged_twice"
        if problem is None and asked and not self.not_an_answer(tracker) and not text.startswith("/"):
            problem = "other"
        return {"payment_problem": problem} if problem and (asked or intent == "payment_issue") else {}

    async def validate_payment_problem(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"payment_problem": value if value in PAYMENT_PROBLEMS else None}


class ActionPaymentIssue(NamedAction, action="action_payment_issue"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        problem = tracker.get_slot("payment_problem")
        done = [SlotSet("payment_problem", None)]
        if problem == "charged_twice":
            return done + [FollowupAction("duplicate_charge_form")]
        if problem == "dispute":
            utter(dispatcher, "utter_payment_dispute_handoff")
            return done + [SlotSet("handoff_reason", "Payment dispute"), FollowupAction("action_handoff")]
        if problem == "card_declined":
            try:
                methods = await clients.billing().payment_methods()
            except BackendError as error:
                return backend_failure(dispatcher, tracker, error, "listing payment methods") + done
            utter(dispatcher, "utter_card_declined_help", methods=listed(methods))
            return done + [SlotSet("handoff_reason", "Card declined at checkout")]
        utter(dispatcher, "utter_payment_other")
        return done + [SlotSet("handoff_reason", "Payment problem (not a duplicate charge or a declined card)")]
