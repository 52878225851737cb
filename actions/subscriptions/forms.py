"""The membership forms: account verification (AccountProof), then
the customer's membership is looked up once (slot `subscription`; {"id": None}
when they have none) and, for cancelling, the service's quote, so what
cancelling costs is said BEFORE the customer confirms."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.shared.forms import CustomerForm
from actions.shared.account_verification import AccountProof
from actions.clients.base import BackendError, Json, Rejected
from actions.shared.common import latest_intent, latest_text, outage, account_customer
from actions.shared.messages import utter
from actions.subscriptions.membership import (KEEP, MAX_PAUSE_MONTHS, cancellable, current_subscription,
                                              months_in, pausable)


class SubscriptionForm(CustomerForm):
    proof = AccountProof()

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

    def needs_look_up(self, tracker: Tracker) -> bool:
        """Not looked up yet, or (coming from the pause form) without a quote."""
        sub = tracker.get_slot("subscription")
        if sub is None:
            return True
        return self.wants_quote and cancellable(sub) and not tracker.get_slot("cancellation_quote")

    async def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if not self.needs_look_up(tracker):
            return {}
        try:
            sub = current_subscription(await clients.billing().subscriptions(account_customer(tracker)))
            quote = None
            if sub and self.wants_quote and cancellable(sub):
                try:
                    quote = await clients.billing().cancellation_quote(sub["id"])
                except Rejected:  # already cancelled meanwhile
                    sub = {**sub, "status": "cancelled"}
        except BackendError as error:
            return outage(dispatcher, tracker, error, "looking up the Harbor Plus membership")
        found: Dict[Text, Any] = {"subscription": sub or {"id": None}}
        if self.wants_quote:
            found["cancellation_quote"] = quote
        return found


class ValidateCancelSubscriptionForm(SubscriptionForm, form="cancel_subscription_form"):
    wants_quote = True
    final_slot = "cancel_subscription_confirmed"

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
        return self.yes_or_no(tracker, "cancel_subscription_confirmed", no_words=KEEP,
                              yes_intents=("affirm", "cancel_subscription"))

    async def validate_cancel_subscription_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.yes_or_no_answer(dispatcher, "cancel_subscription_confirmed", value,
                                     "utter_please_choose")


class ValidatePauseSubscriptionForm(SubscriptionForm, form="pause_subscription_form"):
    final_slot = "pause_months"

    def usable(self, sub: Json) -> bool:
        return pausable(sub)

    def plainly_answers(self, tracker: Tracker) -> bool:
        return (tracker.get_slot("requested_slot") == "pause_months"
                and months_in(latest_text(tracker), asked=True) is not None)

    async def extract_pause_months(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        asked = tracker.get_slot("requested_slot") == "pause_months"
        if not asked and latest_intent(tracker) != "pause_subscription":
            return {}
        months = months_in(latest_text(tracker), asked)
        if months is not None:
            return {"pause_months": float(months)}
        return self.free_text(tracker, "pause_months")  # validation asks again

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
