"""Training time: Rasa's default pipeline vs ours, on the same NLU data.

    nice -n 10 .venv/bin/python bench/train_time.py [--parts baseline ours full]

Parts (each saves bench/results/train_time_<part>.json, so the slow baseline
can run once in the background and the report be printed later with
`--parts` and nothing after it):
  baseline  `rasa train nlu` with the pipeline `rasa init` writes, then both evals
  ours      `rasa train nlu` with config.yml, then both evals
  full      `rasa train` of the whole project (config.yml, domain/, data/)
Wall-clock times on this machine; other load on the cores inflates them, so
the load average at the start of each part is recorded. Not run in CI.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import nlu_eval  # noqa: E402

RESULTS = nlu_eval.RESULTS
# The pipeline `rasa init` writes into config.yml (Rasa 3.6).
DEFAULT_PIPELINE = """\
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
"""


def nlu_part(config: Path) -> dict:
    """Trains the NLU with `config` and scores it on both eval sets."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        model, seconds, cpu = nlu_eval.train(config, Path(tmp))
        results = nlu_eval.evaluate(model)
    return {"seconds": seconds, "cpu_seconds": cpu, "load_at_start": load,
            "scores": {name: {k: v for k, v in r.items() if k not in ("errors", "confidences")}
                       for name, r in results.items()}}


def full_part() -> dict:
    """Times `rasa train` of the whole project, as `make train` runs it."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu = time.monotonic(), nlu_eval.children_cpu_seconds()
        done = subprocess.run(
            [nlu_eval.RASA, "train", "--config", "config.yml", "--domain", "domain",
             "--data", "data", "--out", tmp, "--fixed-model-name", "full"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        seconds = time.monotonic() - started
    return {"seconds": seconds, "cpu_seconds": nlu_eval.children_cpu_seconds() - cpu,
            "load_at_start": load, "ok": done.returncode == 0,
            "error": None if done.returncode == 0 else done.stderr[-2000:]}


def run(part: str) -> None:
    if part == "baseline":
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
            handle.write(DEFAULT_PIPELINE)
        try:
            result = nlu_part(Path(handle.name))
        finally:
            os.unlink(handle.name)
    elif part == "ours":
        result = nlu_part(ROOT / "config.yml")
    else:
        result = full_part()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"train_time_{part}.json").write_text(json.dumps(result, indent=1))


def report() -> None:
    """Prints whatever parts have results."""
    parts = {}
    for part in ("baseline", "ours", "full"):
        path = RESULTS / f"train_time_{part}.json"
        if path.exists():
            parts[part] = json.loads(path.read_text())
    print(f"{'pipeline':<10}{'wall s':>8}{'CPU s':>7}{'load':>6}{'bitext acc':>12}"
          f"{'heldout acc':>13}{'heldout ent F1':>16}")
    for part in ("baseline", "ours"):
        if part in parts:
            r = parts[part]
            b, h = r["scores"]["bitext_validation"], r["scores"]["heldout_whatsapp"]
            print(f"{part:<10}{r['seconds']:>8.0f}{r['cpu_seconds']:>7.0f}{r['load_at_start']:>6.1f}"
                  f"{b['intent_accuracy']:>12.4f}{h['intent_accuracy']:>13.4f}"
                  f"{h['entity_f1']:>16.4f}")
    if "baseline" in parts and "ours" in parts:
        wall = parts["baseline"]["seconds"] / parts["ours"]["seconds"]
        cpu = parts["baseline"]["cpu_seconds"] / parts["ours"]["cpu_seconds"]
        print(f"speed-up: {wall:.1f}x wall-clock, {cpu:.1f}x CPU (goal >= 8x)")
    if "full" in parts:
        full = parts["full"]
        status = "ok" if full["ok"] else "FAILED: " + (full["error"] or "")[-300:]
        print(f"full project `rasa train`: {full['seconds']:.0f} s wall-clock, "
              f"{full['cpu_seconds']:.0f} s CPU "
              f"(load {full['load_at_start']:.1f}; limit 180 s) {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="*", default=["baseline", "ours", "full"],
                        choices=["baseline", "ours", "full"])
    args = parser.parse_args()
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)
    for part in args.parts:
        run(part)
    report()


if __name__ == "__main__":
    main()
