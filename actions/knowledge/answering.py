"""Answering a free-form question from the passages: the passage's own text,
never anything made up, with the ids that let every answer be traced."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from actions.knowledge.retriever import retriever


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


def best_score(question: str, language: str = "en") -> float:
    """How well the best passage matches (recorded for unanswered questions)."""
    hits = retriever(language).search(question or "", top=1)
    return hits[0].score if hits else 0.0
