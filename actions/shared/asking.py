"""Form questions as actions: `action_ask_<slot>` for every `utter_ask_<slot>`
message in actions/messages/.

Rasa asks a form's next slot with `action_ask_<slot>` if the domain lists one,
else with the response `utter_ask_<slot>`. Keeping the questions as messages
next to the other action texts means one place for designers, and no
"response not used in any story" warning from `rasa data validate`.
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.messages import catalogue, utter


def ask_action(message: str) -> type:
    """An Action class named action_ask_<slot> that sends `message`."""

    def name(self: Action) -> Text:
        return "action_ask_" + message.removeprefix("utter_ask_")

    async def run(self: Action, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        utter(dispatcher, message, **{k: v for k, v in tracker.slots.items() if v is not None})
        return []

    return type(f"Ask_{message}", (Action,), {"name": name, "run": run, "__module__": __name__})


# rasa-sdk registers every Action subclass it finds, these included.
ASK_ACTIONS = {name: ask_action(name) for name in catalogue() if name.startswith("utter_ask_")}
