"""The small flows: reviews, and what happens when the bot doesn't understand.

Low NLU confidence (FallbackClassifier's `nlu_fallback`) starts Rasa's
built-in two-stage fallback (`action_two_stage_fallback`). Its first stage is
`action_default_ask_affirmation`, customised here: a free-form question the
store's knowledge answers is answered (actions/knowledge/); anything else gets
the two most likely requests as buttons with human-friendly titles, plus
"Something else". If the
customer picks "Something else" they are asked to rephrase
(`action_default_ask_rephrase` sends `utter_ask_rephrase`); if they still aren't understood,
`action_default_fallback` (customised here) offers a person, with the reason
recorded for the handoff.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Tuple

import yaml

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.csat import just_rated, rating_answer
from actions.knowledge.answering import Answer, names_something, start_request_button
from actions.knowledge.topics import policy_answer, policy_hint, quoted
from actions.shared.language import answering
from actions.shared.naming import NamedAction
from actions.shared.messages import button_title, utter
from actions.shared.requests import INTENT_TITLES

logger = logging.getLogger(__name__)

FALLBACK_HANDOFF_REASON = "The bot did not understand the request"


def something_else() -> Dict[str, str]:
    return {"title": button_title("out_of_scope", "Something else"), "payload": "/out_of_scope"}


def intent_payload(intent: str, entities: List[Dict[str, Any]]) -> str:
    """`/intent{"entity": "value"}`, so what the customer already said is kept."""
    values = {e["entity"]: e.get("value") for e in entities if e.get("entity") and e.get("value")}
    return f"/{intent}{json.dumps(values, separators=(',', ':'))}" if values else f"/{intent}"


def knowledge_answer(message: Dict[str, Any]) -> Tuple[Optional[str], Optional[Answer]]:
    """The store's knowledge, if it answers the message (never an error for
    the customer): the topic of a policy question the NLU leaned to, or the
    passages. A message naming an order, invoice or email is about the
    customer's own request: the guesses below fit it better."""
    text = message.get("text") or ""
    if names_something(text):
        return None, None
    try:
        return policy_answer(policy_hint(message), text, answering())
    except (OSError, KeyError, ValueError, TypeError, yaml.YAMLError) as error:
        logger.error("knowledge unavailable: %s", error)
        return None, None


def likely_intents(message: Dict[str, Any], count: int = 2) -> List[str]:
    ranking = message.get("intent_ranking") or []
    names = [r.get("name") for r in ranking if r.get("name") in INTENT_TITLES]
    return list(dict.fromkeys(names))[:count]


class ActionDefaultAskAffirmation(NamedAction, action="action_default_ask_affirmation"):
    """First stage of the two-stage fallback: "Did you mean…" with two guesses."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        message = tracker.latest_message or {}
        rated = rating_answer(dispatcher, tracker)  # "5" to the rating question
        if rated is not None:
            return rated
        topic, found = knowledge_answer(message)
        if topic:
            utter(dispatcher, "utter_policy_answer", answer=topic, trace=quoted(topic),
                  extra_buttons=start_request_button(message))
            return []
        if found:
            utter(dispatcher, "utter_policy_answer", answer=found.text, trace=found.trace(),
                  extra_buttons=start_request_button(message))
            return []
        guesses = likely_intents(message)
        if not guesses:
            utter(dispatcher, "utter_ask_rephrase")
            return []
        entities = message.get("entities") or []
        buttons = [{"title": button_title(intent, INTENT_TITLES[intent]), "payload": intent_payload(intent, entities)}
                   for intent in guesses]
        utter(dispatcher, "utter_ask_affirmation", extra_buttons=buttons + [something_else()])
        return []


class ActionDefaultAskRephrase(NamedAction, action="action_default_ask_rephrase"):
    """Second stage: after "Something else", ask for other words."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        utter(dispatcher, "utter_ask_rephrase")
        return []


class ActionDefaultFallback(NamedAction, action="action_default_fallback"):
    """The customer still isn't understood: offer a person instead of guessing again."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        # "5" to the rating question. No policy knows what follows a rating
        # (Rasa's core fallback brought us here), so the turn must end as
        # Rasa's own fallback ends it, by reverting the message; otherwise
        # Rasa predicts this action again until its ten-action limit, and the
        # customer's next message goes unanswered. The slot is set after the
        # revert, so it stays.
        rated = rating_answer(dispatcher, tracker)
        if rated is not None:
            return [UserUtteranceReverted(), *rated]
        if just_rated(tracker):
            return [UserUtteranceReverted()]
        logger.info("fallback for %s after: %r", tracker.sender_id,
                    (tracker.latest_message or {}).get("text"))
        utter(dispatcher, "utter_fallback_offer_human")
        # Revert the message nobody understood, so the next prediction starts
        # from before it (the customer's next answer is read afresh).
        return [UserUtteranceReverted(), SlotSet("handoff_reason", FALLBACK_HANDOFF_REASON)]


class ActionRecordReview(NamedAction, action="action_record_review"):
    """There is no reviews API: the review is recorded in the action server's
    log and in the conversation (slot `last_review`, seen by agents)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        message = tracker.latest_message or {}
        text = (message.get("text") or "").strip()
        sentiment = message.get("sentiment") or {}
        logger.info("customer review from %s (customer %s, sentiment %s): %s", tracker.sender_id,
                    tracker.get_slot("customer_id") or "unverified", sentiment.get("label", "n/a"), text)
        utter(dispatcher, "utter_review_thanks")
        return [SlotSet("last_review", text[:1000] or None)]
