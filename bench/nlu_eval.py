"""NLU benchmark: intent accuracy, macro F1 and entity F1 on two test sets.

    .venv/bin/python bench/nlu_eval.py [--model PATH] [--config config.yml]

(a) Bitext's validation split (entities mapped as scripts/import_bitext.py
    maps the training data; Harbor's splits of Bitext intents per
    tests/nlu/bitext_intent_map.yml count as the Bitext intent);
(b) tests/nlu/heldout_whatsapp.yml, (c) heldout_spanish.yml and (d)
    heldout_other_languages.yml, which must share no sentence with the
    training data (asserted before anything is trained).

Intent accuracy is the top intent of the classifier (DIET); `final acc`
counts a FallbackClassifier `nlu_fallback` as an error, `fallback` is its rate.
Entity F1 is span-level exact match (type, start, end), micro-averaged over
Harbor's entity types (spaCy's PERSON/MONEY are not scored). Not run in CI.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import yaml  # noqa: E402

import import_bitext  # noqa: E402
from tests.support.heldout import HELDOUT_SETS, heldout_data, near_copies, training_data  # noqa: E402

RASA = str(Path(sys.executable).with_name("rasa"))
VALIDATION = import_bitext.DEFAULT_SOURCE / "validation.csv"
INTENT_MAP = ROOT / "tests" / "nlu" / "bitext_intent_map.yml"
RESULTS = ROOT / "bench" / "results"
FALLBACK = "nlu_fallback"

Span = Tuple[str, int, int]
Example = Tuple[str, str, Set[Span]]  # text, gold intent, gold entity spans


def harbor_entity_types() -> Set[str]:
    """Entity types declared in domain/intents.yml (not `language`: the
    detector's, with no span in the text)."""
    domain = yaml.safe_load((ROOT / "domain" / "intents.yml").read_text())
    names = {e if isinstance(e, str) else next(iter(e)) for e in domain["entities"]}
    return names - {"language"}


def bitext_validation() -> List[Example]:
    """Bitext validation rows as (text, Bitext intent, mapped entity spans)."""
    examples = []
    for row in import_bitext.read_split(VALIDATION):
        text, intent, span = import_bitext.convert_row(row)
        spans = {(span[2], span[0], span[1])} if span else set()
        examples.append((text, intent, spans))
    return examples


def heldout(name: str = "whatsapp") -> List[Example]:
    """A held-out set's examples with their annotated entities (tests/support/heldout.py)."""
    return [
        (
            m.get("text"),
            m.get("intent"),
            {(e["entity"], e["start"], e["end"]) for e in m.get("entities") or []},
        )
        for m in heldout_data(name).intent_examples
    ]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def train(config: Path, out: Path, nlu: Path = ROOT / "data" / "nlu") -> Tuple[Path, float, float]:
    """Trains the NLU with `config` on data/nlu.

    Returns (model, wall-clock seconds, CPU seconds). CPU time is reported too
    because the cores are shared: wall-clock time grows with others' load.
    """
    started, cpu = time.monotonic(), children_cpu_seconds()
    subprocess.run(
        [RASA, "train", "nlu", "--config", str(config), "--nlu", str(nlu),
         "--domain", "domain/intents.yml", "--out", str(out),
         "--fixed-model-name", "nlu"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return (out / "nlu.tar.gz", time.monotonic() - started,
            children_cpu_seconds() - cpu)


def parse_all(model: Path, texts: List[str]) -> List[Dict]:
    """Parse results of `model` for each text."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> List[Dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def top_intent(parse: Dict) -> str:
    """The NLU's intent (after the components that relabel: the general
    question router, the language detector), looking past a FallbackClassifier decision."""
    if parse["intent"]["name"] != FALLBACK:
        return parse["intent"]["name"]
    for ranked in parse.get("intent_ranking") or [parse["intent"]]:
        if ranked["name"] != FALLBACK:
            return ranked["name"]
    return FALLBACK


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score(
    examples: List[Example],
    parses: List[Dict],
    entity_types: Set[str],
    intent_alias: Optional[Dict[str, str]] = None,
) -> Dict:
    """Intent accuracy/macro F1 and span-level entity F1 for one test set."""
    from sklearn.metrics import f1_score

    alias = intent_alias or {}
    gold, predicted, final = [], [], []
    tp, fp, fn = Counter(), Counter(), Counter()
    errors, confidences = [], []
    for (text, intent, spans), parse in zip(examples, parses):
        guess = alias.get(top_intent(parse), top_intent(parse))
        gold.append(intent)
        predicted.append(guess)
        final.append(parse["intent"]["name"] == FALLBACK)
        ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != FALLBACK]
        confidences.append([intent, guess, round(ranking[0]["confidence"], 4) if ranking else 0.0])
        found = {
            (e["entity"], e["start"], e["end"])
            for e in parse.get("entities") or []
            if e["entity"] in entity_types
        }
        for kind, *_ in found & spans:
            tp[kind] += 1
        for kind, *_ in found - spans:
            fp[kind] += 1
        for kind, *_ in spans - found:
            fn[kind] += 1
        if guess != intent or found != spans:
            errors.append({"text": text, "gold": intent, "predicted": guess,
                           "gold_entities": sorted(spans), "entities": sorted(found)})
    correct = [g == p for g, p in zip(gold, predicted)]
    kinds = sorted(set(tp) | set(fp) | set(fn))
    return {
        "examples": len(examples),
        "intent_accuracy": sum(correct) / len(examples),
        "intent_macro_f1": f1_score(gold, predicted, average="macro", zero_division=0),
        "final_accuracy": sum(c and not fb for c, fb in zip(correct, final)) / len(examples),
        "fallback_rate": sum(final) / len(examples),
        "entity_f1": f1(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "entity_f1_by_type": {k: round(f1(tp[k], fp[k], fn[k]), 4) for k in kinds},
        "entity_support": {k: tp[k] + fn[k] for k in kinds},
        "errors": errors,
        "confidences": confidences,  # [gold, predicted, top confidence] per example
    }


def bitext_alias() -> Dict[str, str]:
    """Harbor intent -> the Bitext intent it was split from."""
    mapping = yaml.safe_load(INTENT_MAP.read_text()) or {}
    return {ours: bitext for bitext, intents in mapping.items() for ours in intents}


def evaluate(model: Path) -> Dict[str, Dict]:
    """Scores `model` on both test sets."""
    types = harbor_entity_types()
    results = {}
    for name, examples, alias in (
        ("bitext_validation", bitext_validation(), bitext_alias()),
        ("heldout_whatsapp", heldout(), None),
        ("heldout_spanish", heldout("spanish"), None),
        ("heldout_other_languages", heldout("other_languages"), None),
    ):
        parses = parse_all(model, [text for text, _, _ in examples])
        results[name] = score(examples, parses, types, alias)
    return results


def check_heldout_unseen() -> None:
    """Refuses to benchmark on a held-out set that leaked into training data."""
    train_texts = [m.get("text") for m in training_data().intent_examples]
    texts = [t for name in HELDOUT_SETS for t, _, _ in heldout(name)]
    copies = near_copies(texts, train_texts)
    assert not copies, f"held-out examples copied from training data: {copies[:10]}"


def print_table(results: Dict[str, Dict], seconds: Optional[Tuple[float, float]]) -> None:
    cols = ("intent_accuracy", "intent_macro_f1", "final_accuracy",
            "fallback_rate", "entity_f1")
    print(f"{'set':<24}{'n':>6}" + "".join(f"{c.replace('intent_', ''):>16}" for c in cols))
    for name, r in results.items():
        print(f"{name:<24}{r['examples']:>6}" + "".join(f"{r[c]:>16.4f}" for c in cols))
        print(f"{'':<30}entity F1 by type: {r['entity_f1_by_type']}")
    if seconds is not None:
        print(f"training time: {seconds[0]:.0f} s wall-clock, {seconds[1]:.0f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="reuse a trained model")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--name", default="nlu_eval", help="results file name")
    parser.add_argument("--errors", type=int, default=0, help="print N errors per set")
    parser.add_argument("--nlu", type=Path, default=ROOT / "data" / "nlu",
                        help="train on another copy of the NLU data (for sweeps)")
    args = parser.parse_args()
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)  # silence per-message debug lines

    check_heldout_unseen()
    seconds = None
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            model, *seconds = train(args.config.resolve(), Path(tmp), args.nlu.resolve())
        results = evaluate(model)
    print_table(results, seconds)
    for name, r in results.items():
        for error in r["errors"][: args.errors]:
            print(f"  [{name}] {error['gold']} -> {error['predicted']}: {error['text']}"
                  f"  {error['gold_entities']} / {error['entities']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.name}.json"
    out.write_text(json.dumps({"train_seconds": seconds, "config": str(args.config),
                               "load_average": os.getloadavg(),
                               "results": results}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
