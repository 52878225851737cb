"""Answering a free-form question from the passages: the passage's own text,
never anything made up, with the ids that let every answer be traced."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from actions.knowledge.retriever import retriever
from actions.shared.messages import button_title
from actions.shared.requests import ABOUT, INTENT_TITLES, POLICY_INTENTS, REQUEST_STARTERS


# An order, invoice or refund number, or an email, even where the NLU found no entity.
NAMES_SOMETHING = re.compile(r"\d{4,}|@")
UNSURE_REQUEST = 0.2  # an intent the NLU hesitated on, worth a button (a button costs little)
# Phrased as a question: a question word first, a question mark last, "can
# I/do you...", a fact asked mid-sentence ("reset link expired how long
# does it last", "i need the return label where is it"), or a question
# after the situation is told.
PHRASED_AS_QUESTION = re.compile(
    r"^\s*(how|what|whats|what's|when|which|who|why|can|could|do|does|is|are|will|would|should|"
    r"may|if|any)\b|\?\s*$|\b(can|could|do|does|will|would|should) (i|you|u|we)\b"
    r"|\bhow (long|much|many|soon|fast)\b"
    # a question after the situation: "item is defective, who pays the shipping?",
    # "refund of $800, is it automatic", "they asked for my password is that normal"
    r"|[,;:.!]\s*(how|what|whats|what's|when|which|who|why|is|are|can|do|does|will)\b"
    # a question word with its verb anywhere: "i lost the label where does it go"
    r"|\b(where|why|when|what|which|who|how) (is|are|does|do|did|will|would|can|should|was|were)\b"
    r"|\b(is|are) (it|that|this|there)( \w+)?\s*[?]*\s*$"
    r"|¿|^\s*(cu[aá]nto|cu[aá]ntos|cu[aá]ndo|c[oó]mo|qu[eé]|cu[aá]l|puedo|se puede|hasta cu[aá]ndo)\b",
    re.I)
# A passage scoring this much is in the customer's own words: a request said,
# not asked ("you billed me two times for the same order"), still hears its
# one rule.
SURE = 0.5
# A policy question hears the passage rather than its topic's broad answer
# ("are sale items returnable" -> the final-sale rule, not all of Returns)
# only when the retriever is this sure: at 0.5, "how many days to return
# stuff i bought" got the final-sale rule (0.61) instead of the 30 days.
PREFER_OVER_TOPIC = 0.7


def names_something(text: str) -> bool:
    """Whether `text` is about the customer's own order or account, not a general question."""
    return bool(NAMES_SOMETHING.search(text or ""))


@dataclass(frozen=True)
class Answer:
    text: str
    passage_ids: List[str]
    score: float

    def trace(self) -> Dict[str, Any]:
        """For the bot event's metadata: which passages said this, how sure."""
        return {"passage_ids": self.passage_ids, "knowledge_score": round(self.score, 3)}


def answer_question(question: str, language: str = "en") -> Optional[Answer]:
    """The passage(s) answering `question`, or None when the best one scores
    below the threshold (the bot then says it is not sure)."""
    hits, best = retriever(language).answer(question or "")
    if not hits:
        return None
    return Answer("\n".join(hit.passage.text for hit in hits), [hit.passage.id for hit in hits], best)


def prefer_passage(topic_answer: Optional[str], found: Optional[Answer]) -> bool:
    """Whether the retriever's passage answers better than the topic's text:
    it found a passage the topic does not quote, or is sure of one the topic
    quotes among others ("are sale items returnable" -> the final-sale rule,
    not all of Returns)."""
    if found is None:
        return False
    return (not topic_answer or found.score >= PREFER_OVER_TOPIC
            or found.text.split("\n")[0] not in topic_answer)


def nothing_answers(question: str, language: str = "en") -> bool:
    """Whether the retriever finds "no passage answers this" likelier than
    any passage ("can I pick up my order in store?"): no topic is quoted then either."""
    return retriever(language).unanswerable(question or "")


def best_score(question: str, language: str = "en") -> float:
    """How well the best passage matches (recorded for unanswered questions)."""
    hits = retriever(language).search(question or "", top=1)
    return hits[0].score if hits else 0.0


def start_request_button(message: Dict[str, Any]) -> List[Dict[str, str]]:
    """After answering a general question the NLU took for a request ("how
    long do I have to return a jacket?": rerouted by addons/nlu/
    general_questions.py, or the request the NLU was unsure about), one tap
    starts that request."""
    candidates = [message.get("rerouted_from")]
    if (message.get("intent") or {}).get("name") in ("nlu_fallback", *POLICY_INTENTS):
        # Torn between a policy question and its request ("return policy"
        # or "return an item"): the two it hesitated between, if likely enough.
        ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        candidates += [r.get("name") for r in ranking[:2] if (r.get("confidence") or 0) >= UNSURE_REQUEST]
    for intent in candidates:
        if intent in REQUEST_STARTERS and REQUEST_STARTERS[intent].endswith("_form") and intent in INTENT_TITLES:
            return [{"title": button_title(intent, INTENT_TITLES[intent]), "payload": f"/{intent}"}]
    return []


def answer_in_passing(question: str, intent: str, language: str = "en") -> Optional[Answer]:
    """A request asked as a question ("can I cancel my order before it
    ships?", "i was charged twice, do i get it all back?"): the passage that
    answers it, if it is one of the request's own (the registry's `about`),
    said before the flow's first question (or the handoff). A request said
    as a statement hears its rule only when `about` names one passage and
    the message scores at least SURE on it ("you billed me two
    times" -> the duplicate-charge rule). None for anything else: "where is
    my order?" gets no fact about cancelling."""
    about = ABOUT.get(intent)
    if not about or names_something(question):
        return None
    asked = bool(PHRASED_AS_QUESTION.search(question or ""))
    if not asked and about.endswith("."):
        return None
    found = answer_question(question, language)
    if not found or not found.passage_ids[0].startswith(about):
        return None
    if not asked and found.score < SURE:
        return None
    # when the retriever found two close passages of the request's own, both
    ours = [i for i, pid in enumerate(found.passage_ids) if pid.startswith(about)]
    lines = found.text.split("\n")
    return Answer("\n".join(lines[i] for i in ours), [found.passage_ids[i] for i in ours], found.score)
