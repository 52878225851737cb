"""Finds the passage that answers a free-form question.

scikit-learn's TF-IDF (installed with Rasa, nothing to download) over each
passage's text and the ways customers ask for it, with word n-grams for
meaning and character n-grams inside word boundaries for typos and
WhatsApp spelling ("recieve", "shiping", "u"). The score is the cosine
similarity of the question to the passage's best-matching document; below
ANSWER_THRESHOLD (tuned on bench/knowledge/golden.yml's dev half) the bot is
not sure. Chosen over bm25s and spaCy vectors: measured in bench/knowledge/run.py.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, List, Tuple

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from actions.knowledge.passages import Passage, load_passages

ANSWER_THRESHOLD = 0.30
# A second passage is quoted too when it scores almost as well ("is shipping
# free and how long does it take?").
SECOND_WITHIN = 0.85

ORDER_NUMBER = re.compile(r"#?\d{4,12}")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


# Words every question shares ("how much does ... cost"): they would make
# any two questions look alike. Negations stay: "not delivered" is a fact.
KEEP = {"not", "no", "nor", "never", "before", "after", "until"}
SPANISH_STOP_WORDS = frozenset("""
a al algo como con cual cuales de del el ella en es esa ese eso esta este esto estoy ha hay la las le
les lo los me mi mis muy nos o para pero por que se si su sus te tengo tu tus un una uno unos y ya yo
hola porfa favor quiero quisiera necesito saber puedo pueden podrian""".split())
STOP_WORDS = {"en": frozenset(ENGLISH_STOP_WORDS) - KEEP, "es": SPANISH_STOP_WORDS - KEEP}
WORD = re.compile(r"[a-z0-9$%:.-]+")


def fold(text: str) -> str:
    """Lower case without accents: customers write "devolucion" as often as "devolución"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def normalise(text: str, language: str = "en") -> str:
    stop = STOP_WORDS.get(language, STOP_WORDS["en"])
    words = WORD.findall(ORDER_NUMBER.sub(" ", fold(text)))
    return " ".join(word.strip(".:-") for word in words if word.strip(".:-") not in stop)


class Retriever:
    def __init__(self, passages: List[Passage], language: str = "en") -> None:
        self.passages = passages
        self.language = language
        self.owner: List[int] = []
        documents: List[str] = []
        for index, passage in enumerate(passages):
            for document in (passage.text, *passage.asks):
                documents.append(normalise(document, language))
                self.owner.append(index)
        self.vectorizer = FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ])
        self.matrix = self.vectorizer.fit_transform(documents)

    def search(self, question: str, top: int = 3) -> List[Hit]:
        """The best passages for `question`, best first, with their scores."""
        vector = self.vectorizer.transform([normalise(question, self.language)])
        # each half of the union is L2-normalised: the dot product / 2 is a cosine in [0, 1]
        scores = (self.matrix @ vector.T).toarray().ravel() / 2
        best: Dict[int, float] = {}
        for row, score in enumerate(scores):
            owner = self.owner[row]
            best[owner] = max(best.get(owner, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: -item[1])[:top]
        return [Hit(self.passages[index], score) for index, score in ranked]

    def answer(self, question: str) -> Tuple[List[Hit], float]:
        """The passage(s) to quote (empty when not sure) and the best score."""
        hits = self.search(question, top=2)
        if not hits or hits[0].score < ANSWER_THRESHOLD:
            return [], hits[0].score if hits else 0.0
        chosen = [hits[0]]
        if len(hits) > 1 and hits[1].score >= max(ANSWER_THRESHOLD, SECOND_WITHIN * hits[0].score):
            chosen.append(hits[1])
        return chosen, hits[0].score


_retrievers: Dict[str, Tuple[Tuple, Retriever]] = {}


def retriever(language: str = "en") -> Retriever:
    """The retriever over the current passages in `language` (rebuilt when they change)."""
    passages = load_passages(language)
    key = tuple(passages)
    if language not in _retrievers or _retrievers[language][0] != key:
        _retrievers[language] = (key, Retriever(passages, language))
    return _retrievers[language][1]
