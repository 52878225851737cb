"""Accuracy of the knowledge answers on bench/knowledge/golden.yml.

    .venv/bin/python bench/knowledge/run.py [--threshold 0.3] [--errors]

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
from actions.knowledge.answering import answer_question  # noqa: E402

GOLDEN = ROOT / "bench" / "knowledge" / "golden.yml"


def right(item: Dict, answer: Optional[str]) -> bool:
    if item.get("none"):
        return answer is None
    return answer is not None and all(fact.lower() in answer.lower() for fact in item["facts"])


def score(items: List[Dict], show_errors: bool) -> float:
    good = 0
    for item in items:
        answer = answer_question(item["q"])
        if right(item, answer.text if answer else None):
            good += 1
        elif show_errors:
            best = retrieval.retriever().search(item["q"], top=1)[0]
            print(f"  MISS {item['q']!r}: {answer.passage_ids if answer else None} "
                  f"(best {best.passage.id} {best.score:.2f})")
    return good / len(items)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threshold", type=float, help="try another answer threshold")
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    if args.threshold is not None:
        retrieval.ANSWER_THRESHOLD = args.threshold
    golden = yaml.safe_load(GOLDEN.read_text())
    for half in ("dev", "heldout"):
        print(f"{half:8} {score(golden[half], args.errors):.1%} of {len(golden[half])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
