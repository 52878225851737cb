"""Pausing Harbor Plus: 1 to 3 months, no fee."""
from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.shared.account_verification import account_unverified
from actions.clients.base import BackendError, Rejected
from actions.shared.common import account_customer, backend_failure, friendly_date, idempotency_key, month_word
from actions.shared.messages import utter
from actions.subscriptions.membership import MAX_PAUSE_MONTHS, UNVERIFIED, pausable


class ActionPauseSubscription(NamedAction, action="action_pause_subscription"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("subscription", None), SlotSet("pause_months", None)]
        sub = tracker.get_slot("subscription") or {}
        months = tracker.get_slot("pause_months")
        if not account_customer(tracker) or tracker.get_slot("backend_down"):
            return account_unverified(dispatcher, tracker, UNVERIFIED) + done
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
              months=f"{int(months)} {month_word(months)}",
              paused_until=friendly_date(paused.get("paused_until")),
              renews_on=friendly_date(paused.get("renews_at")))
        return done
