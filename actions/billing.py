"""Billing: refund status, duplicate charges and payment problems.

- track_refund_form -> action_track_refund: by order number or refund number
  (R-5001); either way the customer is verified and the refund must be theirs.
- duplicate_charge_form -> action_refund_duplicate_charge: the order's
  payments in billing; a capture with `duplicate_of` is shown, confirmed, then
  refunded in full (POST /refunds, reason duplicate_charge).
- payment_issue_form -> action_payment_issue: what happened (charged twice /
  card declined / something else); charged twice continues with the
  duplicate-charge form, a dispute or chargeback goes to a person.

`StepsAside` (also used by actions/subscriptions.py) lets a form step aside
for a policy question, another request or "stop": the form rejects, and the
flow's rules answer, switch or stop.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.clients.base import BackendError, Json, NotFound, Rejected
from actions.common import (INTERRUPTIONS, backend_failure, channel_identity, friendly_date,
                            idempotency_key, latest_intent)
from actions.messages import utter
from actions.orders import unverified_outcome
from actions.switching import REQUEST_STARTERS
from actions.verification import (EMAIL, MAX_ATTEMPTS, OrderFormValidation, attempts_exhausted,
                                  identity_matches, verified_customer)

# The policy questions every form answers in passing (data/rules/*: action_answer_policy).
POLICY_INTENTS = frozenset({
    "check_refund_policy", "ask_return_policy", "delivery_options", "delivery_period",
    "check_payment_methods", "check_cancellation_fee", "ask_support_hours",
})
REFUND_ID = re.compile(r"(?<![\w-])R-?(\d{3,})(?![\w-])", re.I)
YES = re.compile(r"\b(yes|yeah|yep|sure|ok|okay|please do|go ahead|do it|refund)\b", re.I)
NO = re.compile(r"\b(no|nope|don'?t|do not|leave it|not now)\b", re.I)


# -- small helpers ---------------------------------------------------------------------

def dollars(amount: Any) -> str:
    """'349.00' -> '$349.00' (money as customers read it)."""
    try:
        return f"${Decimal(str(amount)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(amount)


def business_days(expected: Optional[str]) -> str:
    """The refund's '5-7' as '5 to 7'."""
    low, _, high = str(expected or "5-7").partition("-")
    return f"{low} to {high}" if high else low


def listed(names: Iterable[str]) -> str:
    names = [n for n in names if n]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def answering_latest_message(tracker: Tracker, form: str) -> bool:
    """True when the form runs right after the customer's message, False when it
    comes back after a digression (a rejection and another action ran since)."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action_execution_rejected":
            return False
        if kind == "action" and event.get("name") not in (form, "action_extract_slots",
                                                          "action_validate_slot_mappings"):
            return False
    return False


class StepsAside:
    """Mixin for form validation actions: a policy question, another request or
    "stop" is not an answer to the form's question. The form rejects, so the
    flow's rules can answer it (and come back), switch request, or stop.
    Subclasses name answers that are plainly answers anyway (`plain_answer`),
    e.g. "2 months" even if the NLU thought it was about delivery times."""

    def leaves_for(self, tracker: Tracker) -> Optional[str]:
        form = self.form_name()  # type: ignore[attr-defined]
        if (tracker.active_loop or {}).get("name") != form or not answering_latest_message(tracker, form):
            return None
        intent = latest_intent(tracker)
        own = {name for name, starts in REQUEST_STARTERS.items() if starts == form}
        leaving = intent == "stop" or intent in POLICY_INTENTS or (
            intent in REQUEST_STARTERS and intent not in own)
        return intent if leaving and not self.plain_answer(tracker) else None

    def plain_answer(self, tracker: Tracker) -> bool:
        return False

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if self.leaves_for(tracker):
            return [ActionExecutionRejected(self.form_name())]  # type: ignore[attr-defined]
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]


def yes_or_no(tracker: Tracker, slot: str, yes_intents: Iterable[str] = ("affirm",),
              no_words: Optional[re.Pattern] = None) -> Dict[Text, Any]:
    """The answer to a yes/no question the form asked: "yes", "no", or the text
    (validation asks again) when it is neither and not an interruption."""
    if tracker.get_slot("requested_slot") != slot:
        return {}
    intent, text = latest_intent(tracker), tracker.latest_message.get("text") or ""
    if intent == "deny" or (no_words and no_words.search(text)):
        return {slot: "no"}
    if intent in yes_intents:
        return {slot: "yes"}
    if intent in INTERRUPTIONS:
        return {}
    if NO.search(text):
        return {slot: "no"}
    if YES.search(text):
        return {slot: "yes"}
    return {slot: text}


class VerifiedOrderForm(StepsAside, OrderFormValidation):
    """OrderFormValidation for the billing forms, plus: an email given before the
    order number is checked as soon as the order is known, and
    `after_validation` looks things up once the customer is verified."""

    takes_refund_id = False

    def anchor(self, tracker: Tracker) -> Optional[str]:
        """What the email is checked against (the order)."""
        return tracker.get_slot("order_id")

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        found = REFUND_ID.search(tracker.latest_message.get("text") or "")
        if found:  # "R-5001" is a refund number, not an order number
            return {"refund_id": f"R-{found.group(1)}"} if self.takes_refund_id else {}
        return await super().extract_order_id(dispatcher, tracker, domain)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        more = await self._late_email_check(dispatcher, tracker, domain)
        tracker.slots.update(more)
        if verified_customer(tracker) and not tracker.get_slot("backend_down"):
            found = await self.after_validation(dispatcher, tracker, domain)
            tracker.slots.update(found)
            more.update(found)
        return events + [SlotSet(key, value) for key, value in more.items()]

    async def _late_email_check(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        email = tracker.get_slot("customer_email")
        if (verified_customer(tracker) or tracker.get_slot("backend_down") or not email
                or attempts_exhausted(tracker) or not self.anchor(tracker)):
            return {}
        return await self.validate_customer_email(email, dispatcher, tracker, domain)

    async def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        return {}

    @staticmethod
    def outage(dispatcher: CollectingDispatcher, tracker: Tracker, error: BackendError,
               doing: str) -> Dict[Text, Any]:
        events = backend_failure(dispatcher, tracker, error, doing)
        return {"backend_down": True, "backend_errors": events[0]["value"]}


# -- refund status -----------------------------------------------------------------------

class ValidateTrackRefundForm(VerifiedOrderForm):
    """By refund number when the customer gives one, else by order number."""

    takes_refund_id = True

    def name(self) -> Text:
        return "validate_track_refund_form"

    def anchor(self, tracker: Tracker) -> Optional[str]:
        return tracker.get_slot("refund_id") or tracker.get_slot("order_id")

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        drop = "order_id" if tracker.get_slot("refund_id") else "refund_id"
        return [slot for slot in slots if slot != drop]

    async def validate_refund_id(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = REFUND_ID.search(str(value or ""))
        if not found:
            return {"refund_id": None}
        refund_id = f"R-{found.group(1)}"
        try:
            refund = await clients.billing().get_refund(refund_id)
            customer = await clients.crm().get_customer(refund["customer_id"])
        except NotFound:
            utter(dispatcher, "utter_refund_not_found", refund_id=refund_id)
            return {"refund_id": None}
        except BackendError as error:
            return {"refund_id": refund_id, **self.outage(dispatcher, tracker, error,
                                                           f"looking up refund {refund_id}")}
        current = verified_customer(tracker)
        if current and current != customer["id"]:
            # Another customer's refund: say no more than for a missing one.
            utter(dispatcher, "utter_refund_not_on_account", refund_id=refund_id)
            return {"refund_id": None}
        slots: Dict[Text, Any] = {"refund_id": refund_id}
        if not current and identity_matches(customer, channel_identity(tracker)):
            slots.update(customer_verified=True, customer_id=customer["id"],
                         customer_email=customer["email"], verified_by="channel")
        return slots

    async def validate_customer_email(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        refund_id = tracker.get_slot("refund_id")
        if verified_customer(tracker) or not refund_id:
            return await super().validate_customer_email(value, dispatcher, tracker, domain)
        email = str(value or "").strip()
        if not EMAIL.fullmatch(email):
            utter(dispatcher, "utter_invalid_email")
            return {"customer_email": None}
        try:
            refund = await clients.billing().get_refund(refund_id)
            customer = await clients.crm().get_customer(refund["customer_id"])
        except NotFound:
            return {"refund_id": None, "customer_email": None}
        except BackendError as error:
            return self.outage(dispatcher, tracker, error, f"looking up refund {refund_id}")
        if (customer.get("email") or "").lower() == email.lower():
            return {"customer_email": email, "customer_verified": True,
                    "customer_id": customer["id"], "verified_by": "email"}
        attempts = (tracker.get_slot("verification_attempts") or 0) + 1
        if attempts < MAX_ATTEMPTS:
            utter(dispatcher, "utter_refund_email_mismatch")
        return {"customer_email": None, "verification_attempts": float(attempts)}


def refund_message(refund: Json) -> Dict[str, Any]:
    """The message name and its values for a refund's status, in plain words."""
    store_credit = "store credit" in str(refund.get("method", "")).lower()
    subject = (f"order {refund['order_id']}" if refund.get("order_id")
               else "your Harbor Plus membership" if refund.get("subscription_id") else "your account")
    names = {"processing": "utter_refund_processing", "issued": "utter_refund_issued",
             "pending_approval": "utter_refund_pending_approval",
             "awaiting_item": "utter_refund_awaiting_item"}
    name = names.get(refund.get("status"), "utter_refund_status_other")
    if store_credit and name in ("utter_refund_processing", "utter_refund_issued"):
        name = "utter_refund_issued_store_credit"
    return {"message": name, "refund_id": refund.get("id"), "amount": dollars(refund.get("amount")),
            "subject": subject, "method": refund.get("method") or "original payment method",
            "issued_on": friendly_date(refund.get("created_at")), "status": refund.get("status"),
            "days": business_days(refund.get("expected_business_days"))}


class ActionTrackRefund(Action):
    def name(self) -> Text:
        return "action_track_refund"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id = verified_customer(tracker)
        refund_id, order_id = tracker.get_slot("refund_id"), tracker.get_slot("order_id")
        done = [SlotSet("refund_id", None)]
        if not (customer_id and (refund_id or order_id)):
            return unverified_outcome(dispatcher, tracker) + done
        try:
            if refund_id:
                refunds = [await clients.billing().get_refund(refund_id)]
            else:
                refunds = await clients.billing().refunds(order_id=order_id)
        except NotFound:
            refunds = []
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"checking refund {refund_id or 'of order ' + order_id}") + done
        refunds = [r for r in refunds if r.get("customer_id") == customer_id]
        if not refunds:
            if refund_id:
                utter(dispatcher, "utter_refund_not_on_account", refund_id=refund_id)
            else:
                utter(dispatcher, "utter_no_refund_found", order_id=order_id)
            return done
        for refund in refunds[-3:]:
            facts = refund_message(refund)
            utter(dispatcher, facts.pop("message"), **facts)
        return done


# -- duplicate charges ---------------------------------------------------------------------

def duplicate_finding(order_id: str, customer_id: str, payments: List[Json]) -> Dict[str, Any]:
    """What billing shows for the order: a duplicate capture still to refund, one
    already refunded, or none (with the charges it does show)."""
    mine = [p for p in payments if p.get("customer_id") == customer_id]
    duplicates = [p for p in mine if p.get("duplicate_of")]
    open_ = [p for p in duplicates if p.get("status") == "captured"]
    chosen = (open_ or duplicates or [None])[0]
    if chosen:
        state = "duplicate" if open_ else "refunded"
        return {"order_id": order_id, "state": state, "payment_id": chosen["id"],
                "amount": dollars(chosen.get("amount")), "method": chosen.get("method") or "your card",
                "charged_on": friendly_date(chosen.get("captured_at"))}
    first = mine[0] if mine else {}
    return {"order_id": order_id, "state": "none", "payment_id": None, "count": len(mine),
            "amount": dollars(first.get("amount")) if first else None,
            "method": first.get("method"), "charged_on": friendly_date(first.get("captured_at"))}


class ValidateDuplicateChargeForm(VerifiedOrderForm):
    def name(self) -> Text:
        return "validate_duplicate_charge_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        finding = tracker.get_slot("duplicate_charge") or {}
        to_confirm = (verified_customer(tracker) and finding.get("state") == "duplicate"
                      and finding.get("order_id") == tracker.get_slot("order_id"))
        return [slot for slot in slots if slot != "duplicate_refund_confirmed" or to_confirm]

    async def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        order_id = tracker.get_slot("order_id")
        finding = tracker.get_slot("duplicate_charge") or {}
        if not order_id or finding.get("order_id") == order_id:
            return {}
        try:
            payments = await clients.billing().payments(order_id=order_id)
        except BackendError as error:
            return self.outage(dispatcher, tracker, error, f"checking the payments of order {order_id}")
        return {"duplicate_charge": duplicate_finding(order_id, verified_customer(tracker), payments),
                "duplicate_refund_confirmed": None}

    async def extract_duplicate_refund_confirmed(self, dispatcher: CollectingDispatcher,
                                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return yes_or_no(tracker, "duplicate_refund_confirmed")

    async def validate_duplicate_refund_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value in ("yes", "no"):
            return {"duplicate_refund_confirmed": value}
        utter(dispatcher, "utter_please_choose")
        return {"duplicate_refund_confirmed": None}


class ActionAskDuplicateRefundConfirmed(Action):
    """Shows the two charges before asking to refund one."""

    def name(self) -> Text:
        return "action_ask_duplicate_refund_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        finding = tracker.get_slot("duplicate_charge") or {}
        utter(dispatcher, "utter_duplicate_found_confirm", order_id=finding.get("order_id"),
              amount=finding.get("amount"), method=finding.get("method"))
        return []


class ActionRefundDuplicateCharge(Action):
    def name(self) -> Text:
        return "action_refund_duplicate_charge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id, order_id = verified_customer(tracker), tracker.get_slot("order_id")
        done = [SlotSet("duplicate_charge", None), SlotSet("duplicate_refund_confirmed", None)]
        if not (customer_id and order_id):
            return unverified_outcome(dispatcher, tracker) + done
        try:  # billing is the source of truth, not what the form saw a minute ago
            payments = await clients.billing().payments(order_id=order_id)
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"checking the payments of order {order_id}") + done
        finding = duplicate_finding(order_id, customer_id, payments)
        facts = {k: finding.get(k) for k in ("order_id", "amount", "method", "charged_on")}
        if finding["state"] == "refunded":
            return await self._already_refunded(dispatcher, tracker, finding) + done
        if finding["state"] == "none":
            count = finding["count"]
            utter(dispatcher, "utter_no_duplicate_found" if count == 1 else
                  "utter_no_duplicate_among_several" if count else "utter_no_charge_found",
                  count=count, **facts)
            return done + [SlotSet("handoff_reason", f"Customer reports a duplicate charge on order "
                                                     f"{order_id}; billing shows no duplicate")]
        if tracker.get_slot("duplicate_refund_confirmed") != "yes":
            utter(dispatcher, "utter_duplicate_left", **facts)
            return done
        try:
            refund = await clients.billing().create_refund(
                {"order_id": order_id, "reason": "duplicate_charge", "payment_id": finding["payment_id"]},
                idempotency_key(tracker, f"duplicate-refund-{finding['payment_id']}"))
        except Rejected as rejected:
            if rejected.code == "already_refunded":
                return await self._already_refunded(dispatcher, tracker, finding) + done
            utter(dispatcher, "utter_duplicate_refund_refused", **facts)
            return done + [SlotSet("handoff_reason", f"Duplicate-charge refund for order {order_id} "
                                                     f"refused: {rejected.message}")]
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"refunding the duplicate charge of order {order_id}") + done
        message = ("utter_duplicate_refund_pending" if refund.get("status") == "pending_approval"
                   else "utter_duplicate_refunded")
        utter(dispatcher, message, **{**facts, "amount": dollars(refund.get("amount")),
                                      "refund_id": refund.get("id"), "method": refund.get("method"),
                                      "days": business_days(refund.get("expected_business_days"))})
        return done

    @staticmethod
    async def _already_refunded(dispatcher: CollectingDispatcher, tracker: Tracker,
                                finding: Dict[str, Any]) -> List[EventType]:
        try:
            refunds = await clients.billing().refunds(order_id=finding["order_id"])
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"checking the refunds of order {finding['order_id']}")
        refund = next((r for r in refunds if r.get("payment_id") == finding["payment_id"]), None)
        if refund:
            facts = refund_message(refund)
            facts.pop("message")
            utter(dispatcher, "utter_duplicate_already_refunded", **facts)
        else:
            utter(dispatcher, "utter_duplicate_already_refunded_plain", order_id=finding["order_id"],
                  amount=finding["amount"])
        return []


# -- payment problems ------------------------------------------------------------------------

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


class ValidatePaymentIssueForm(StepsAside, FormValidationAction):
    def name(self) -> Text:
        return "validate_payment_issue_form"

    def plain_answer(self, tracker: Tracker) -> bool:
        return (tracker.get_slot("requested_slot") == "payment_problem"
                and (latest_intent(tracker) == "report_duplicate_charge"
                     or payment_problem_in(tracker.latest_message.get("text") or "") is not None))

    async def extract_payment_problem(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> Dict[Text, Any]:
        asked = tracker.get_slot("requested_slot") == "payment_problem"
        text, intent = tracker.latest_message.get("text") or "", latest_intent(tracker)
        problem = payment_problem_in(text)
        if problem is None and intent == "report_duplicate_charge":
            problem = "charged_twice"
        if problem is None and asked and intent not in INTERRUPTIONS and not text.startswith("/"):
            problem = "other"
        return {"payment_problem": problem} if problem and (asked or intent == "payment_issue") else {}

    async def validate_payment_problem(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"payment_problem": value if value in PAYMENT_PROBLEMS else None}


class ActionPaymentIssue(Action):
    def name(self) -> Text:
        return "action_payment_issue"

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
