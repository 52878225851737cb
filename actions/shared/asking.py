"""Form questions as actions: `action_ask_<slot>` for every `utter_ask_<slot>`
message in actions/messages/.

Rasa asks a form's next slot with `action_ask_<slot>` if the domain lists one,
else with the response `utter_ask_<slot>`. Keeping the questions as messages
next to the other action texts means one place for designers, and no
"response not used in any story" warning from `rasa data validate`.

A form's first question also says the fact a request asked as a question
wants ("can I cancel my order before it ships?" -> "An order can be
cancelled free of charge until it ships." -> "What's the order number?").
"""
from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.messages import catalogue, utter

logger = logging.getLogger(__name__)


def first_words_this_turn(tracker: Tracker) -> bool:
    """Nothing has been said since the customer's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return False
        if event.get("event") == "user":
            return True
    return False


def answer_in_passing(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """A request asked as a question gets its fact before the form's first
    question (actions/knowledge/answering.py answer_in_passing)."""
    from actions.knowledge.answering import answer_in_passing as passage_for
    from actions.shared.language import answering

    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name") or ""
    try:
        said = passage_for(message.get("text") or "", intent, answering())
    except (OSError, KeyError, ValueError) as error:  # the knowledge is optional here
        logger.error("knowledge unavailable: %s", error)
        return
    if said:
        utter(dispatcher, "utter_policy_answer", answer=said.text, trace=said.trace())


def ask_action(message: str) -> type:
    """An Action class named action_ask_<slot> that sends `message`."""

    def name(self: Action) -> Text:
        return "action_ask_" + message.removeprefix("utter_ask_")

    async def run(self: Action, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if first_words_this_turn(tracker):
            answer_in_passing(dispatcher, tracker)
        utter(dispatcher, message, **{k: v for k, v in tracker.slots.items() if v is not None})
        return []

    return type(f"Ask_{message}", (Action,), {"name": name, "run": run, "__module__": __name__})


# rasa-sdk registers every Action subclass it finds, these included.
ASK_ACTIONS = {name: ask_action(name) for name in catalogue() if name.startswith("utter_ask_")}
