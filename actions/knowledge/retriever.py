"""Finds the passage that answers a free-form question.

A linear classifier (scikit-learn's LogisticRegression, installed with
Rasa, nothing to download) over TF-IDF features of each passage's text and
the ways customers ask for it (`asks` in knowledge/passages/<language>.yml):
word n-grams for meaning, character n-grams inside word boundaries for typos
and WhatsApp spelling ("recieve", "shiping", "u"). Questions no passage
answers (`unanswered`, and the NLU's out-of-scope examples) are one more
class, so "do you gift wrap?" is "not sure" rather than the nearest rule.

The score is the classifier's probability of the passage; below
ANSWER_THRESHOLD, or when "none" is likelier, the bot is not sure. Chosen
over nearest-neighbour cosine on the same features and over bm25s:
measured in bench/knowledge/run.py (bench/README.md).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Sequence, Tuple

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from actions.knowledge.passages import Passage, load_passages, load_unanswered

ANSWER_THRESHOLD = 0.3
# A second passage is quoted too when it is almost as likely ("is shipping
# free and how long does it take?").
SECOND_WITHIN = 0.85
# Regularisation, tuned on bench/knowledge/golden.yml's tuning halves (3-100
# measured; 10 and up alike).
C = 10.0
NONE = -1

ORDER_NUMBER = re.compile(r"#?\d{4,12}")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


# Only words that carry nothing: question words ("how much" is a price, "how
# long" a duration), negations and "back" ("send back", "money back") stay.
STOP_WORDS = {
    "en": frozenset("""a an the i me my we our you your u ur it its they them their is am are was were be
been being do does did to of in on at for with and or but so this that these those there here just hi
hello hey please pls plz thanks thank""".split()),
    "es": frozenset("""a al algo con de del el ella en es esa ese eso esta este esto estoy ha la las le les
lo los me mi mis muy nos o para pero por se su sus te tengo tu tus un una uno unos y ya yo hola porfa
favor quiero quisiera necesito saber""".split()),
}
WORD = re.compile(r"[a-z0-9$%:.-]+")


def fold(text: str) -> str:
    """Lower case without accents: customers write "devolucion" as often as "devolución"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def normalise(text: str, language: str = "en") -> str:
    stop = STOP_WORDS.get(language, STOP_WORDS["en"])
    words = WORD.findall(ORDER_NUMBER.sub(" ", fold(text)))
    return " ".join(word.strip(".:-") for word in words if word.strip(".:-") not in stop)


class Retriever:
    def __init__(self, passages: List[Passage], language: str = "en", unanswered: Sequence[str] = ()) -> None:
        self.passages = passages
        self.language = language
        documents: List[str] = []
        labels: List[int] = []
        for index, passage in enumerate(passages):
            for document in (passage.text, *passage.asks):
                documents.append(normalise(document, language))
                labels.append(index)
        for question in unanswered:
            documents.append(normalise(question, language))
            labels.append(NONE)
        self.vectorizer = FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ])
        # liblinear (one-vs-rest): 0.3 s to build against 3.1 s for lbfgs, same answers
        self.model = LogisticRegression(C=C, solver="liblinear", max_iter=5000).fit(
            self.vectorizer.fit_transform(documents), labels)
        self.classes = [int(c) for c in self.model.classes_]
        # a message is asked about several times in a turn (answer, "nothing
        # answers?", the gap's score; the router, in the Rasa process): predict once
        self.probabilities = lru_cache(maxsize=1024)(self._probabilities)

    def _probabilities(self, question: str) -> Tuple[Tuple[Tuple[int, float], ...], float]:
        """(passage index, probability) best first, and the probability that no passage answers."""
        row = self.model.predict_proba(self.vectorizer.transform([normalise(question, self.language)]))[0]
        ranked = sorted(((c, float(p)) for c, p in zip(self.classes, row) if c != NONE), key=lambda i: -i[1])
        none = next((float(p) for c, p in zip(self.classes, row) if c == NONE), 0.0)
        return tuple(ranked), none

    def search(self, question: str, top: int = 3) -> List[Hit]:
        """The likeliest passages for `question`, best first, with their probabilities."""
        ranked, _ = self.probabilities(question)
        return [Hit(self.passages[index], score) for index, score in ranked[:top]]

    def unanswerable(self, question: str) -> bool:
        """Whether "no passage answers this" is likelier than any passage."""
        ranked, none = self.probabilities(question)
        return not ranked or none > ranked[0][1]

    def answer(self, question: str) -> Tuple[List[Hit], float]:
        """The passage(s) to quote (empty when not sure) and the best score."""
        ranked, none = self.probabilities(question)
        if not ranked:
            return [], 0.0
        best = ranked[0][1]
        if best < ANSWER_THRESHOLD or none > best:
            return [], best
        chosen = [Hit(self.passages[ranked[0][0]], best)]
        if len(ranked) > 1 and ranked[1][1] >= max(ANSWER_THRESHOLD, SECOND_WITHIN * best):
            chosen.append(Hit(self.passages[ranked[1][0]], ranked[1][1]))
        return chosen, best


_retrievers: Dict[str, Tuple[Tuple, Retriever]] = {}


def retriever(language: str = "en") -> Retriever:
    """The retriever over the current passages in `language` (rebuilt when they change)."""
    passages = load_passages(language)
    unanswered = tuple(load_unanswered(language))
    key = (tuple(passages), unanswered)
    if language not in _retrievers or _retrievers[language][0] != key:
        _retrievers[language] = (key, Retriever(passages, language, unanswered))
    return _retrievers[language][1]
