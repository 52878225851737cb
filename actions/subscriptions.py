"""Harbor Plus membership: cancelling, pausing, and what cancelling would cost.

- cancel_subscription_form -> action_cancel_subscription: the customer is
  verified at account level, their membership is found, and what cancelling
  means is said BEFORE they confirm (annual: the service's pro-rata refund
  minus the $15.00 fee, in dollars; monthly: no fee, active until the end of
  the paid month), with pausing offered instead.
- pause_subscription_form -> action_pause_subscription: 1 to 3 months, no fee.
- action_cancellation_fee (check_cancellation_fee outside a form): the
  customer's own quote when they are verified and a member, else the policy.
"""
from __future__ import annotations

import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.account_verification import AccountFormValidation
from actions.billing import StepsAside, business_days, dollars, yes_or_no
from actions.clients.base import BackendError, Json, Rejected
from actions.common import INTERRUPTIONS, backend_failure, friendly_date, idempotency_key, latest_intent
from actions.messages import utter
from actions.verification import attempts_exhausted, verified_customer

logger = logging.getLogger(__name__)

MAX_PAUSE_MONTHS = 3  # knowledge/harbor_policies.md: "paused for up to 3 months"
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
MONTHS = re.compile(r"\b(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\s*(?:more\s+)?(months?|mo)\b", re.I)
YEAR = re.compile(r"\b(a|one|1)\s+year\b", re.I)
BARE_NUMBER = re.compile(r"^\s*(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\s*[.!]?\s*$", re.I)
KEEP = re.compile(r"\bkeep\b", re.I)


# -- facts ---------------------------------------------------------------------------

def current_subscription(subscriptions: List[Json]) -> Optional[Json]:
    """The membership that counts: a live one first, else the latest one."""
    live = [s for s in subscriptions if s.get("status") in ("active", "paused") and not s.get("cancel_at")]
    if live:
        return live[0]
    return subscriptions[-1] if subscriptions else None


def cancellable(sub: Json) -> bool:
    return bool(sub.get("id")) and sub.get("status") != "cancelled" and not sub.get("cancel_at")


def pausable(sub: Json) -> bool:
    return bool(sub.get("id")) and sub.get("status") == "active" and not sub.get("cancel_at")


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


def quote_values(sub: Json, quote: Json) -> Dict[str, Any]:
    """The service's cancellation-quote numbers, as the customer reads them. The
    unused months' value is the refund plus the fee the service deducted."""
    fee, refund = money(quote.get("fee")), money(quote.get("refund_amount"))
    return {"plan": sub.get("plan") or "Harbor Plus", "price": dollars(sub.get("price")),
            "fee": dollars(fee), "refund": dollars(refund), "gross": dollars(refund + fee),
            "unused_months": quote.get("unused_months"),
            "months_word": "month" if quote.get("unused_months") == 1 else "months",
            "active_until": friendly_date(quote.get("effective_date") or sub.get("renews_at"))}


def quote_message(sub: Json, quote: Json) -> str:
    if sub.get("interval") != "year":
        return "monthly"
    return "annual" if money(quote.get("refund_amount")) > 0 else "annual_no_refund"


def months_in(text: str, asked: bool) -> Optional[int]:
    """'pause it for 2 months' -> 2; a bare '2' only when the months were asked."""
    found = MONTHS.search(text or "")
    if found:
        word = found.group(1).lower()
        return int(word) if word.isdigit() else NUMBER_WORDS[word]
    if YEAR.search(text or ""):
        return 12
    bare = BARE_NUMBER.match(text or "") if asked else None
    if bare:
        word = bare.group(1).lower()
        return int(word) if word.isdigit() else NUMBER_WORDS[word]
    return None


def account_unverified(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """What a membership flow does when its form ended without a verified customer."""
    if tracker.get_slot("backend_down"):
        return [SlotSet("backend_down", None)]  # the outage was already explained
    if attempts_exhausted(tracker):
        utter(dispatcher, "utter_account_verification_failed")
        return [SlotSet("handoff_reason", "Could not verify the customer for a Harbor Plus request")]
    return []


# -- forms ---------------------------------------------------------------------------

class SubscriptionForm(StepsAside, AccountFormValidation):
    """Account verification, then the customer's membership is looked up once
    (slot `subscription`; {"id": None} when they have none)."""

    wants_quote = False
    final_slot = ""

    def usable(self, sub: Json) -> bool:
        raise NotImplementedError

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        sub = tracker.get_slot("subscription")
        if sub is not None and not self.usable(sub):
            return [slot for slot in slots if slot != self.final_slot]  # nothing to ask: the action explains
        return slots

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        if not verified_customer(tracker) or tracker.get_slot("backend_down") or not self.needs_look_up(tracker):
            return events
        found = await self.look_up(dispatcher, tracker)
        tracker.slots.update(found)
        return events + [SlotSet(key, value) for key, value in found.items()]

    def needs_look_up(self, tracker: Tracker) -> bool:
        """Not looked up yet, or (coming from the pause form) without a quote."""
        sub = tracker.get_slot("subscription")
        if sub is None:
            return True
        return self.wants_quote and cancellable(sub) and not tracker.get_slot("cancellation_quote")

    async def look_up(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        customer_id = verified_customer(tracker)
        try:
            sub = current_subscription(await clients.billing().subscriptions(customer_id))
            quote = None
            if sub and self.wants_quote and cancellable(sub):
                try:
                    quote = await clients.billing().cancellation_quote(sub["id"])
                except Rejected:  # already cancelled meanwhile
                    sub = {**sub, "status": "cancelled"}
        except BackendError as error:
            events = backend_failure(dispatcher, tracker, error, "looking up the Harbor Plus membership")
            return {"backend_down": True, "backend_errors": events[0]["value"]}
        found: Dict[Text, Any] = {"subscription": sub or {"id": None}}
        if self.wants_quote:
            found["cancellation_quote"] = quote
        return found


class ValidateCancelSubscriptionForm(SubscriptionForm):
    wants_quote = True
    final_slot = "cancel_subscription_confirmed"

    def name(self) -> Text:
        return "validate_cancel_subscription_form"

    def usable(self, sub: Json) -> bool:
        return cancellable(sub)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot("subscription") is not None and not tracker.get_slot("cancellation_quote"):
            return [slot for slot in slots if slot != self.final_slot]
        return slots

    async def extract_cancel_subscription_confirmed(self, dispatcher: CollectingDispatcher,
                                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return yes_or_no(tracker, "cancel_subscription_confirmed",
                         yes_intents=("affirm", "cancel_subscription"), no_words=KEEP)

    async def validate_cancel_subscription_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value in ("yes", "no"):
            return {"cancel_subscription_confirmed": value}
        utter(dispatcher, "utter_please_choose")
        return {"cancel_subscription_confirmed": None}


class ValidatePauseSubscriptionForm(SubscriptionForm):
    final_slot = "pause_months"

    def name(self) -> Text:
        return "validate_pause_subscription_form"

    def usable(self, sub: Json) -> bool:
        return pausable(sub)

    def plain_answer(self, tracker: Tracker) -> bool:
        return (tracker.get_slot("requested_slot") == "pause_months"
                and months_in(tracker.latest_message.get("text") or "", asked=True) is not None)

    async def extract_pause_months(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        asked = tracker.get_slot("requested_slot") == "pause_months"
        text, intent = tracker.latest_message.get("text") or "", latest_intent(tracker)
        if not asked and intent != "pause_subscription":
            return {}
        months = months_in(text, asked)
        if months is not None:
            return {"pause_months": float(months)}
        if asked and intent not in INTERRUPTIONS and not text.startswith("/"):
            return {"pause_months": text}  # validation asks again
        return {}

    async def validate_pause_months(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        months = value if isinstance(value, (int, float)) else months_in(str(value), asked=True)
        if months is not None and 1 <= months <= MAX_PAUSE_MONTHS and months == int(months):
            return {"pause_months": float(months)}
        if months is not None and months > MAX_PAUSE_MONTHS:
            utter(dispatcher, "utter_pause_limit", max_months=MAX_PAUSE_MONTHS)
        else:
            utter(dispatcher, "utter_please_choose")
        return {"pause_months": None}


class ActionAskCancelSubscriptionConfirmed(Action):
    """Says what cancelling means, in dollars, before the customer confirms."""

    def name(self) -> Text:
        return "action_ask_cancel_subscription_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        sub = tracker.get_slot("subscription") or {}
        quote = tracker.get_slot("cancellation_quote") or {}
        utter(dispatcher, f"utter_cancel_quote_{quote_message(sub, quote)}", **quote_values(sub, quote))
        return []


# -- submitting ------------------------------------------------------------------------

class ActionCancelSubscription(Action):
    def name(self) -> Text:
        return "action_cancel_subscription"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("subscription", None), SlotSet("cancellation_quote", None),
                SlotSet("cancel_subscription_confirmed", None)]
        sub = tracker.get_slot("subscription") or {}
        if not verified_customer(tracker) or tracker.get_slot("backend_down"):
            return account_unverified(dispatcher, tracker) + done
        if not sub.get("id"):
            utter(dispatcher, "utter_no_subscription")
            return done
        if not cancellable(sub):
            return self._already_cancelled(dispatcher, sub) + done
        if tracker.get_slot("cancel_subscription_confirmed") != "yes":
            utter(dispatcher, "utter_subscription_kept", plan=sub.get("plan") or "Harbor Plus")
            return done
        try:
            result = await clients.billing().cancel_subscription(
                sub["id"], idempotency_key(tracker, f"cancel-subscription-{sub['id']}"))
        except Rejected as rejected:
            if rejected.code == "already_cancelled":
                return self._already_cancelled(dispatcher, {**sub, "status": "cancelled"}) + done
            utter(dispatcher, "utter_subscription_change_refused")
            return done + [SlotSet("handoff_reason", f"Cancelling {sub['id']} refused: {rejected.message}")]
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"cancelling {sub['id']}") + done
        values = quote_values(result.get("subscription") or sub, result)
        refund = result.get("refund") or {}
        values.update(refund_id=refund.get("id") or "", days=business_days(refund.get("expected_business_days")))
        if (result.get("subscription") or sub).get("interval") != "year":
            utter(dispatcher, "utter_subscription_cancelled_monthly", **values)
        elif refund and refund.get("status") == "pending_approval":
            utter(dispatcher, "utter_subscription_cancelled_annual_pending", **values)
        elif refund:
            utter(dispatcher, "utter_subscription_cancelled_annual", **values)
        else:
            utter(dispatcher, "utter_subscription_cancelled_annual_no_refund", **values)
        return done

    @staticmethod
    def _already_cancelled(dispatcher: CollectingDispatcher, sub: Json) -> List[EventType]:
        if sub.get("cancel_at") and sub.get("status") == "active":
            utter(dispatcher, "utter_subscription_ending", plan=sub.get("plan") or "Harbor Plus",
                  active_until=friendly_date(sub["cancel_at"]))
        else:
            utter(dispatcher, "utter_subscription_already_cancelled", plan=sub.get("plan") or "Harbor Plus")
        return []


class ActionPauseSubscription(Action):
    def name(self) -> Text:
        return "action_pause_subscription"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("subscription", None), SlotSet("pause_months", None)]
        sub = tracker.get_slot("subscription") or {}
        months = tracker.get_slot("pause_months")
        if not verified_customer(tracker) or tracker.get_slot("backend_down"):
            return account_unverified(dispatcher, tracker) + done
        plan = sub.get("plan") or "Harbor Plus"
        if not sub.get("id"):
            utter(dispatcher, "utter_no_subscription")
            return done
        if sub.get("status") == "paused":
            utter(dispatcher, "utter_subscription_already_paused", plan=plan,
                  paused_until=friendly_date(sub.get("paused_until")))
            return done
        if not pausable(sub):
            utter(dispatcher, "utter_subscription_cancelled_cannot_pause", plan=plan)
            return done
        if not months:
            return done
        try:
            paused = await clients.billing().pause_subscription(
                sub["id"], int(months), idempotency_key(tracker, f"pause-subscription-{sub['id']}"))
        except Rejected as rejected:
            if rejected.code == "pause_too_long":
                utter(dispatcher, "utter_pause_limit", max_months=MAX_PAUSE_MONTHS)
            elif rejected.code == "already_paused":
                utter(dispatcher, "utter_subscription_already_paused_plain", plan=plan)
            else:
                utter(dispatcher, "utter_subscription_cancelled_cannot_pause", plan=plan)
            return done
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"pausing {sub['id']}") + done
        utter(dispatcher, "utter_subscription_paused", plan=plan,
              months=f"{int(months)} month{'s' if int(months) != 1 else ''}",
              paused_until=friendly_date(paused.get("paused_until")),
              renews_on=friendly_date(paused.get("renews_at")))
        return done


ABOUT_MEMBERSHIP = re.compile(r"\b(plus|member(ship)?|subscri\w*|annual|yearly|monthly|plan)\b", re.I)
ABOUT_ORDER = re.compile(r"\b(order|ships?|shipped|item|package)\b", re.I)


class ActionCancellationFee(Action):
    """check_cancellation_fee: a verified member's own numbers, else the policy."""

    def name(self) -> Text:
        return "action_cancellation_fee"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        policy = [FollowupAction("action_answer_policy")]
        text = tracker.latest_message.get("text") or ""
        entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
        about_order = "order_id" in entities or (ABOUT_ORDER.search(text) and not ABOUT_MEMBERSHIP.search(text))
        customer_id = verified_customer(tracker)
        if about_order or not customer_id:
            return policy
        try:
            sub = current_subscription(await clients.billing().subscriptions(customer_id))
            if not sub or not cancellable(sub):
                return policy
            quote = await clients.billing().cancellation_quote(sub["id"])
        except (BackendError, Rejected) as error:  # the policy still answers the question
            logger.warning("no cancellation quote for %s: %s", tracker.sender_id, error)
            return policy
        utter(dispatcher, f"utter_cancellation_fee_{quote_message(sub, quote)}", **quote_values(sub, quote))
        return []
