"""Answers policy questions from the store's policies (knowledge/harbor_policies.md).

The markdown is the single source of truth: it is read (and re-read when it
changes) and split into sections (`## ` headings) and bullets. Which bullets
answer which question is in knowledge/topics.yml: chosen by the intent and,
where they help, words or entities of the message ("next day",
"international", "annual plan"). Answers quote only the bullets that answer,
short enough for a chat app.

KNOWLEDGE_PATH / KNOWLEDGE_TOPICS_PATH point at other files (tests use a temp
copy of the markdown to show that editing it changes the answer).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions.knowledge.answering import (Answer, answer_question, best_score, nothing_answers,
                                         prefer_passage, start_request_button)
from actions.shared.requests import POLICY_INTENTS
from actions.shared.language import answering
from actions.knowledge.passages import load_passages, parse_policies, policies_path
from actions.shared.messages import utter
from actions.shared.common import latest_intent

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TOPICS = ROOT / "knowledge" / "topics.yml"


def topics_path() -> Path:
    return Path(os.environ.get("KNOWLEDGE_TOPICS_PATH") or DEFAULT_TOPICS)


@dataclass
class Topic:
    name: str
    intents: List[str]
    section: str
    bullets: List[str]
    keywords: List[str] = field(default_factory=list)
    requires: List[str] = field(default_factory=list)
    default: bool = False
    also: List[Dict[str, Any]] = field(default_factory=list)


_cache: Dict[Tuple[str, float], Any] = {}


def _load(path: Path, parse) -> Any:
    key = (str(path), path.stat().st_mtime)
    if key not in _cache:
        _cache[key] = parse(path.read_text(encoding="utf-8"))
    return _cache[key]


def load_policies() -> Dict[str, List[str]]:
    return _load(policies_path(), parse_policies)


def load_topics() -> List[Topic]:
    return _load(topics_path(), lambda text: [Topic(**t) for t in yaml.safe_load(text)["topics"]])


# -- choosing the answer --------------------------------------------------------------

def _mentions(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", text) is not None


def score(topic: Topic, text: str) -> int:
    if topic.requires and not any(_mentions(text, word) for word in topic.requires):
        return 0
    return sum(len(k.split()) for k in topic.keywords if _mentions(text, k))


def choose_topic(intent: str, text: str, topics: List[Topic]) -> Optional[Topic]:
    candidates = [t for t in topics if intent in t.intents]
    text = (text or "").lower()
    # the best match; on a tie, the narrower topic (fewer bullets) says less that wasn't asked
    best = max(candidates, key=lambda t: (score(t, text), -len(t.bullets)), default=None)
    if best is not None and score(best, text) > 0:
        return best
    return next((t for t in candidates if t.default), None)


def section_named(policies: Dict[str, List[str]], name: str) -> List[str]:
    for title, bullets in policies.items():
        if title.lower() == name.lower():
            return bullets
    for title, bullets in policies.items():
        if title.lower().startswith(name.lower()):
            return bullets
    logger.warning("policy section %r not found in %s", name, policies_path())
    return []


def quote(policies: Dict[str, List[str]], section: str, selectors: List[str]) -> List[str]:
    bullets = section_named(policies, section)
    chosen = [b for b in bullets if any(s.lower() in b.lower() for s in selectors)]
    if not chosen and bullets:
        logger.warning("no bullet of %r matches %s; quoting the whole section", section, selectors)
    return chosen or bullets


def answer_for(intent: str, text: str) -> Optional[str]:
    """The policy text answering `text` (classified as `intent`), or None."""
    topic = choose_topic(intent, text, load_topics())
    if topic is None:
        return None
    policies = load_policies()
    groups = [(topic.section, quote(policies, topic.section, topic.bullets))]
    groups += [(extra["section"], quote(policies, extra["section"], extra.get("bullets", [])))
               for extra in topic.also]
    groups = [(title, lines) for title, lines in groups if lines]
    if not groups:
        return None
    if len(groups) == 1:
        lines = groups[0][1]
        return lines[0] if len(lines) == 1 else "\n".join(f"- {line}" for line in lines)
    # several sections: each under its heading, so "the monthly plan" has its context
    return "\n".join(f"{title}:\n" + "\n".join(f"- {line}" for line in lines) for title, lines in groups)


# A fallback whose best guess is a policy question this likely ("hi how many
# days to return stuff i bought": ask_return_policy 0.58) is answered with
# that topic when the passages are not sure of a narrower rule.
HESITANT_POLICY = 0.4


def policy_hint(message: Dict[str, Any]) -> Optional[str]:
    """The policy intent the NLU leaned to before falling back, if any."""
    ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if ranking and ranking[0].get("name") in POLICY_INTENTS and (ranking[0].get("confidence") or 0) >= HESITANT_POLICY:
        return ranking[0]["name"]
    return None


def policy_answer(intent: Optional[str], text: str, language: str = "en",
                  hints: str = "") -> Tuple[Optional[str], Optional[Answer]]:
    """What answers a policy question: the retriever's passage(s), or the
    topic's broader text (English; `intent` picks the topic) when that quotes
    the passage found and the retriever is not sure enough of that one rule
    alone ("what's your return policy?"), or when the retriever found none but
    does not think nothing answers. (None, None): nothing answers. `hints`: the
    message's entity values, which help choose the topic's part."""
    found = answer_question(text, language)
    if found is None and nothing_answers(text, language):
        return None, None
    topic = answer_for(intent, f"{text} {hints}") if intent and language == "en" else None
    if topic and not prefer_passage(topic, found):
        return topic, None
    return None, found


class ActionAnswerPolicy(NamedAction, action="action_answer_policy"):
    """Answers a policy question; inside a form, the form then asks its question again.

    The NLU's policy intent picks the topic (knowledge/topics.yml: a broad
    question gets the whole rule, a narrow one its part); without one, the
    retriever finds the passage (actions/knowledge/retriever.py); else the
    bot says it is not sure, offers a person and records the gap. Either
    way the passages quoted are named in the bot event's metadata."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        entities = " ".join(str(e.get("value", "")) for e in message.get("entities") or [])
        language = answering()
        try:
            # topics quote the English policies; other languages use their passages
            answer, found = policy_answer(latest_intent(tracker), text, language, entities)
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
            logger.error("policy knowledge unavailable: %s", error)
            found, answer = None, None
        # outside a form, offer the request the question was close to; inside
        # one, the form simply goes on
        offer = [] if tracker.active_loop_name else start_request_button(message)
        if answer:
            utter(dispatcher, "utter_policy_answer", answer=answer, trace=quoted(answer), extra_buttons=offer)
        elif found:
            utter(dispatcher, "utter_policy_answer", answer=found.text, trace=found.trace(), extra_buttons=offer)
        else:
            utter(dispatcher, "utter_policy_unknown", trace=gap(text))
        return []


def quoted(answer: str) -> Dict[str, Any]:
    """The passages a topic's answer quotes, for the bot event's metadata."""
    try:
        return {"passage_ids": [p.id for p in load_passages() if p.text in answer]}
    except (OSError, yaml.YAMLError, KeyError, ValueError):
        return {}


def gap(text: str) -> Dict[str, Any]:
    """What an unanswered question leaves in the bot event's metadata, for
    `make analytics` to list the most frequent knowledge gaps."""
    try:
        score = best_score(text, answering())
    except (OSError, yaml.YAMLError, KeyError, ValueError):
        score = 0.0
    return {"knowledge_gap": text, "knowledge_score": round(score, 3)}
