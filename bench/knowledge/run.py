"""Accuracy of the knowledge answers on bench/knowledge/golden.yml.

    .venv/bin/python bench/knowledge/run.py [--threshold 0.3] [--errors] [--model models/<m>.tar.gz] [--live]

Without --model: the retriever alone (every question goes to the passages).
With --model: as the bot answers: the model's NLU (with the general question
router) classifies each question; a policy intent is answered by its topic
or the passages (action_answer_policy), nlu_fallback by the passages (the
fallback's first step), anything else starts a flow and counts as wrong
(right only for a question no policy answers).

With --model and --live: the real assistant (scripts/run.py on free ports,
bench/load/stack.py) gets each question as the first message of a new REST
conversation; the answer is everything the bot says in that turn, so facts
said in passing before a flow's first question or before a handoff count.
This is the measure reported in bench/README.md.

A question counts as right when the answer contains every expected fact
(exact substrings), or, for a question no policy answers (`none: true`),
when the bot says it is not sure. Prints both halves: dev (used for tuning)
and held-out (not looked at while tuning).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from actions.knowledge import retriever as retrieval  # noqa: E402
from actions.knowledge.answering import answer_in_passing, answer_question  # noqa: E402
from actions.knowledge.passages import load_passages  # noqa: E402
from actions.knowledge.topics import policy_answer  # noqa: E402
from actions.shared.requests import POLICY_INTENTS  # noqa: E402

GOLDEN = ROOT / "bench" / "knowledge" / "golden.yml"


class Nearest(retrieval.Retriever):
    """For comparison (--nearest): the same features and data, scored by the
    cosine of the nearest document (the retriever before 2026-12-04)."""

    def __init__(self, passages, language="en", unanswered=()) -> None:
        super().__init__(passages, language, unanswered)
        documents = [(index, text) for index, p in enumerate(passages) for text in (p.text, *p.asks)]
        documents += [(retrieval.NONE, text) for text in unanswered]
        self.owners = [owner for owner, _ in documents]
        self.matrix = self.vectorizer.transform([retrieval.normalise(t, language) for _, t in documents])

    def _probabilities(self, question):
        vector = self.vectorizer.transform([retrieval.normalise(question, self.language)])
        best: Dict[int, float] = {}
        for owner, score in zip(self.owners, (self.matrix @ vector.T).toarray().ravel() / 2):
            best[owner] = max(best.get(owner, 0.0), float(score))
        none = best.pop(retrieval.NONE, 0.0)
        return tuple(sorted(best.items(), key=lambda item: -item[1])), none


class BM25(Nearest):
    """For comparison (--bm25, needs `pip install bm25s==0.3.16`): the best
    document's BM25 score on the same data; "not sure" when a question
    nothing answers scores higher. BM25 scores have no fixed scale, so
    ANSWER_THRESHOLD does not apply (0 is used), nor SECOND_WITHIN (two
    passages within 85% of each other are common in BM25: only the best is
    quoted, as the classifier nearly always does)."""

    def __init__(self, passages, language="en", unanswered=()) -> None:
        super().__init__(passages, language, unanswered)
        import bm25s

        self.bm25s = bm25s
        documents = [retrieval.normalise(t, language) for p in passages for t in (p.text, *p.asks)]
        documents += [retrieval.normalise(t, language) for t in unanswered]
        self.index = bm25s.BM25()
        self.index.index(bm25s.tokenize(documents, stopwords=None, show_progress=False), show_progress=False)

    def _probabilities(self, question):
        tokens = self.bm25s.tokenize([retrieval.normalise(question, self.language)], stopwords=None,
                                     show_progress=False, return_ids=False)[0]
        best: Dict[int, float] = {}
        for owner, score in zip(self.owners, self.index.get_scores(tokens)):
            best[owner] = max(best.get(owner, 0.0), float(score))
        none = best.pop(retrieval.NONE, 0.0)
        return tuple(sorted(best.items(), key=lambda item: -item[1])), none


def right(item: Dict, answer: Optional[str]) -> bool:
    if item.get("none"):
        return answer is None
    return answer is not None and all(fact.lower() in answer.lower() for fact in item["facts"])


def as_the_bot_answers(question: str, intent: Optional[str]) -> Optional[str]:
    """The answer text, None for "not sure", "<flow:intent>" when a flow starts."""
    if intent is None or intent in ("nlu_fallback", "ask_policy"):
        found = answer_question(question)
        return found.text if found else None
    if intent in POLICY_INTENTS:
        topic, found = policy_answer(intent, question)
        return topic or (found.text if found else None)
    # a request asked as a question: its fact first, then the flow (actions/shared/asking.py)
    in_passing = answer_in_passing(question, intent)
    return in_passing.text if in_passing else f"<flow:{intent}>"


def right_or_flow(item: Dict, answer: Optional[str]) -> bool:
    if answer and answer.startswith("<flow:"):
        return bool(item.get("none"))
    return right(item, answer)


def score(items: List[Dict], show_errors: bool, intents: Dict[str, str]) -> float:
    good = 0
    for item in items:
        intent = intents.get(item["q"])
        answer = as_the_bot_answers(item["q"], intent)
        if right_or_flow(item, answer):
            good += 1
        elif show_errors:
            best = retrieval.retriever().search(item["q"], top=1)[0]
            print(f"  MISS {item['q']!r} ({intent or 'retriever'}): {(answer or '')[:60]!r} "
                  f"(best passage {best.passage.id} {best.score:.2f})")
    return good / len(items)


def live_answers(model: Path, questions: List[str]) -> Dict[str, str]:
    """What the running assistant replies to each question, as a new conversation."""
    import json
    import urllib.request
    import uuid

    from bench.load.stack import Stack

    stack = Stack(model).start()
    try:
        replies = {}
        for question in questions:
            body = json.dumps({"sender": f"golden-{uuid.uuid4().hex[:10]}", "message": question}).encode()
            request = urllib.request.Request(f"{stack.url}/webhooks/rest/webhook", body,
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                replies[question] = "\n".join(m.get("text") or "" for m in json.loads(response.read()))
        print_gaps(stack)
        return replies
    finally:
        stack.stop()


def print_gaps(stack) -> None:
    """The knowledge gaps `make analytics` lists after these conversations."""
    from services.analytics import build_report

    events = stack.tmp / "events.db"
    if not events.exists():
        return
    report = build_report(1, events_url=f"sqlite:///{events}", inbox_url=f"sqlite:///{stack.tmp / 'inbox.db'}")
    know = report.get("knowledge") or {}
    print(f"analytics: {know.get('answers', 0)} answers quoting the policies, {know.get('gaps', 0)} knowledge gaps:")
    for gap in know.get("top_gaps") or []:
        print(f"  {gap['question']!r} x{gap['count']} (best passage {gap['best_score']})")


def live_right(item: Dict, reply: str) -> bool:
    """Every fact in the reply; for a question no policy answers, no passage quoted."""
    if item.get("none"):
        return not any(p.text in reply for p in load_passages())
    return all(fact.lower() in reply.lower() for fact in item["facts"])


def live_score(items: List[Dict], show_errors: bool, replies: Dict[str, str]) -> float:
    good = 0
    for item in items:
        if live_right(item, replies[item["q"]]):
            good += 1
        elif show_errors:
            print(f"  MISS {item['q']!r}: {replies[item['q']][:90]!r}")
    return good / len(items)


def classify(model: Path, questions: List[str]) -> Dict[str, str]:
    """Each question's intent by the model's NLU (the whole pipeline)."""
    import asyncio
    import logging

    from rasa.core.agent import Agent

    logging.disable(logging.WARNING)

    async def run() -> Dict[str, str]:
        agent = Agent.load(str(model))
        return {q: (await agent.parse_message(q))["intent"]["name"] for q in questions}

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threshold", type=float, help="try another answer threshold")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--model", type=Path, help="answer as the bot does, with this model's NLU")
    parser.add_argument("--live", action="store_true", help="with --model: ask the running assistant")
    parser.add_argument("--halves", nargs="+", help="only these halves (default: all)")
    parser.add_argument("--bm25", action="store_true", help="retriever alone, scored by bm25s (install it first)")
    parser.add_argument("--nearest", action="store_true",
                        help="retriever alone, scored by the nearest document's cosine instead of the classifier")
    args = parser.parse_args()
    if args.threshold is not None:
        retrieval.ANSWER_THRESHOLD = args.threshold
    if args.nearest:
        retrieval.Retriever = Nearest
    if args.bm25:
        retrieval.Retriever, retrieval.ANSWER_THRESHOLD, retrieval.SECOND_WITHIN = BM25, 0.0, 1.0
    golden = yaml.safe_load(GOLDEN.read_text())
    halves = [half for half in (args.halves or ("dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6"))
              if golden.get(half)]
    questions = [item["q"] for half in halves for item in golden[half]]
    if args.live and args.model:
        replies = live_answers(args.model, questions)
        print("the running assistant (REST, one new conversation per question)")
        for half in halves:
            print(f"{half:8} {live_score(golden[half], args.errors, replies):.1%} of {len(golden[half])}")
        return 0
    intents = classify(args.model, questions) if args.model else {}
    print("as the bot answers (NLU + knowledge)" if args.model else "retriever alone")
    for half in halves:
        print(f"{half:8} {score(golden[half], args.errors, intents):.1%} of {len(golden[half])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
