"""Cancelling Harbor Plus: what it costs is said before the customer confirms
(annual: the service's pro-rata refund minus the $15.00 fee, in dollars;
monthly: no fee, active until the end of the paid month), with pausing offered
instead; and action_cancellation_fee (check_cancellation_fee outside a form):
a verified member's own numbers, else the policy."""
from __future__ import annotations

import logging
import re
from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.shared.account_verification import account_unverified
from actions.billing.refunds import business_days
from actions.clients.base import BackendError, Json, Rejected
from actions.shared.common import backend_failure, friendly_date, idempotency_key, latest_text, account_customer
from actions.shared.messages import utter
from actions.subscriptions.membership import (UNVERIFIED, cancellable, current_subscription, quote_message,
                                              quote_values)

logger = logging.getLogger(__name__)


class ActionAskCancelSubscriptionConfirmed(NamedAction, action="action_ask_cancel_subscription_confirmed"):
    """Says what cancelling means, in dollars, before the customer confirms."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        sub = tracker.get_slot("subscription") or {}
        quote = tracker.get_slot("cancellation_quote") or {}
        utter(dispatcher, f"utter_cancel_quote_{quote_message(sub, quote)}", **quote_values(sub, quote))
        return []


class ActionCancelSubscription(NamedAction, action="action_cancel_subscription"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("subscription", None), SlotSet("cancellation_quote", None),
                SlotSet("cancel_subscription_confirmed", None)]
        sub = tracker.get_slot("subscription") or {}
        if not account_customer(tracker) or tracker.get_slot("backend_down"):
            return account_unverified(dispatcher, tracker, UNVERIFIED) + done
        if not sub.get("id"):
            utter(dispatcher, "utter_no_subscription")
            return done
        if not cancellable(sub):
            return self._already_cancelled(dispatcher, sub) + done
        if tracker.get_slot("cancel_subscription_confirmed") is not True:
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


ABOUT_MEMBERSHIP = re.compile(r"\b(plus|member(ship)?|subscri\w*|annual|yearly|monthly|plan)\b", re.I)
ABOUT_ORDER = re.compile(r"\b(order|ships?|shipped|item|package)\b", re.I)


class ActionCancellationFee(NamedAction, action="action_cancellation_fee"):
    """check_cancellation_fee: a verified member's own numbers, else the policy."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        policy = [FollowupAction("action_answer_policy")]
        text = latest_text(tracker)
        entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
        about_order = "order_id" in entities or (ABOUT_ORDER.search(text) and not ABOUT_MEMBERSHIP.search(text))
        customer_id = account_customer(tracker)
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
