"""Following the customer when they switch to another request mid-form.

"actually, can I cancel order 10232 instead?" while the bot asks for an email
to track an order: the current form ends cleanly and the new request's form
starts, keeping what is already known (the verified customer, the order).
Every flow's rules route its form's "another request" intents here.
"""
from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions.shared.messages import utter
from actions.shared.common import latest_intent
from actions.shared.requests import REQUEST_STARTERS

class ActionSwitchRequest(NamedAction, action="action_switch_request"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        target = REQUEST_STARTERS.get(latest_intent(tracker))
        known = set(domain.get("forms", {})) | set(domain.get("actions", []))
        events: List[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if target and target in known:
            return events + [FollowupAction(target)]
        utter(dispatcher, "utter_anything_else")
        return events
