"""Customer satisfaction: one rating question, 1 to 5, per conversation.

Asked (action_offer_csat) when the customer thanks the bot or says goodbye
after a flow the bot completed (a form that ran to its end: services/
analytics counts the same way), and when an agent closes a handoff (the
inbox triggers EXTERNAL_csat). Never twice (`csat_asked`), never for a
customer who is frustrated, never for a conversation a person is handling.
The buttons become a list on WhatsApp, quick replies on Messenger and a
numbered list on Twilio (addons/channels). A customer who ignores the
question just goes on; a rating with words ("4, quick but the label was
late") keeps them as the comment.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.common import entity_values, latest_intent
from actions.shared.flows import last_completed_flow
from actions.shared.messages import utter
from actions.shared.naming import NamedAction

SCALE = range(1, 6)
STARS = re.compile(r"[⭐★]")
NUMBER = re.compile(r"(?<![\d/])([1-5])(?:\s*(?:/|out of|de)\s*5|\s*(?:stars?|estrellas?))?(?![\d])", re.I)
WORDS = {1: ("terrible", "awful", "horrible", "useless", "pésimo", "fatal"),
         2: ("bad", "poor", "not good", "malo"),
         3: ("ok", "okay", "meh", "average", "so so", "regular"),
         4: ("good", "nice", "bueno", "bien"),
         5: ("great", "excellent", "perfect", "amazing", "awesome", "excelente", "genial")}


def completed_flow(tracker: Tracker) -> Optional[str]:
    """The last form of this conversation that ran to its end, if any."""
    return last_completed_flow(tracker.events)


def frustrated(tracker: Tracker) -> bool:
    return tracker.get_slot("escalation") == "frustrated"


def score_of(text: str, entities: List[str]) -> Optional[int]:
    for value in entities:
        if str(value).strip().isdigit() and int(value) in SCALE:
            return int(value)
    stars = len(STARS.findall(text))
    if stars in SCALE:
        return stars
    number = NUMBER.search(text)
    if number:
        return int(number.group(1))
    lowered = text.lower()
    for score in (1, 2, 5, 4, 3):  # "not good" before "good"
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in WORDS[score]):
            return score
    return None


def comment_of(text: str) -> Optional[str]:
    """What the customer said besides the number ("4, quick but the label was late")."""
    if text.startswith("/"):
        return None  # a button
    rest = NUMBER.sub(" ", STARS.sub(" ", text)).strip(" ,.-:;!")
    return rest[:500] if len(rest) >= 3 else None


# A message that is nothing but a rating ("5", "4.", "⭐⭐⭐") answers an open
# rating question whatever the NLU made of it: bare numbers are not taught as
# `rate` (a "2" also answers "for how many months?"), so they can fall back.
BARE_RATING = re.compile(r"^\s*(?:[1-5](?:\s*(?:/\s*5|stars?|estrellas?))?|[⭐★]{1,5})\s*[.!]*\s*$", re.I)


def rating_answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """The events recording a bare rating that answers the open question, or
    None when the message is not one (the caller goes on as usual)."""
    text = (tracker.latest_message or {}).get("text") or ""
    if not tracker.get_slot("csat_asked") or tracker.get_slot("csat_rating") or not BARE_RATING.match(text):
        return None
    score = score_of(text, [])
    rating = {**(tracker.get_slot("csat_context") or {}), "score": score, "comment": None}
    utter(dispatcher, "utter_csat_thanks" if score >= 4 else "utter_csat_sorry")
    return [SlotSet("csat_rating", rating)]


def just_rated(tracker: Tracker) -> bool:
    """This bare rating was recorded a moment ago (the two-stage fallback then
    gives up on the same message: nothing more to say)."""
    text = (tracker.latest_message or {}).get("text") or ""
    rating = tracker.get_slot("csat_rating") or {}
    return bool(BARE_RATING.match(text)) and rating.get("score") == score_of(text, [])


class ActionOfferCsat(NamedAction, action="action_offer_csat"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("csat_asked") or frustrated(tracker):
            return []
        if latest_intent(tracker) == "EXTERNAL_csat":  # an agent closed the handoff
            context: Dict[str, Any] = {"kind": "human", "handoff_id": tracker.get_slot("handoff_id")}
        else:
            flow = completed_flow(tracker)
            if not flow or tracker.get_slot("handoff_id"):
                return []  # nothing the bot did alone to rate
            context = {"kind": "bot", "flow": flow}
        utter(dispatcher, "utter_csat_ask")
        return [SlotSet("csat_asked", True), SlotSet("csat_context", context)]


class ActionRecordCsat(NamedAction, action="action_record_csat"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        if not tracker.get_slot("csat_asked") or tracker.get_slot("csat_rating"):
            utter(dispatcher, "utter_review_thanks")  # unasked, or rated already: a kind word
            return []
        score = score_of(text, entity_values(tracker, "rating"))
        if score is None:
            utter(dispatcher, "utter_csat_ask")
            return []
        rating = {**(tracker.get_slot("csat_context") or {}), "score": score, "comment": comment_of(text)}
        utter(dispatcher, "utter_csat_thanks" if score >= 4 else "utter_csat_sorry")
        return [SlotSet("csat_rating", rating)]
