"""Where a Rasa process spends its CPU: py-spy samples it while the load
runs, and the samples are grouped by the part of a turn they fall in (the
first matching group of the innermost-first stack wins)."""
from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

# (group, substrings of a frame's "function (file)" text): a sample belongs to
# the first group any frame of its stack matches, so TensorFlow called by TED
# counts as TED and a tracker save as a save wherever it is called from.
GROUPS: List[Tuple[str, Tuple[str, ...]]] = [
    ("action result schema check (jsonschema)", ("jsonschema",)),
    ("tracker store save/load (SQL)", ("tracker_store.py", "sqlalchemy")),
    ("RulePolicy", ("rule_policy.py",)),
    ("TEDPolicy", ("ted_policy.py",)),
    ("JSON (de)serialisation elsewhere", ("json/decoder.py", "json/encoder.py", "json/__init__.py")),
    ("NLU pipeline", ("rasa/nlu/", "addons/nlu/", "spacy", "thinc")),
    ("other policies / featurizers", ("policies/", "featurizers/tracker_featurizers")),
    ("tensorflow (other)", ("tensorflow",)),
    ("HTTP to action server", ("aiohttp", "rasa/utils/endpoints.py")),
    ("event broker", ("event_brokers",)),
]


def record(pid: int, seconds: int, out: Path) -> subprocess.Popen:
    """Starts py-spy on `pid` for `seconds`, writing collapsed stacks to `out`."""
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
                             "--duration", str(seconds), "--rate", "100", "--format", "raw",
                             "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def shares(collapsed: Path) -> Tuple[int, Dict[str, float]]:
    """Samples of the main thread (where Rasa's event loop runs every turn) and
    each group's share of them."""
    counts: Dict[str, int] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        if not frames[0].startswith(("_run_module_as_main", "<module>")):
            continue  # the event loop's (main) thread only: Rasa's worker threads mostly wait
        total += int(n)
        group = next((name for name, keys in GROUPS if any(k in frame for frame in frames for k in keys)),
                     "other")
        counts[group] += int(n)
    return total, {name: counts[name] / total for name in counts} if total else {}


def report(total: int, found: Dict[str, float]) -> str:
    lines = [f"  {share:6.1%}  {name}" for name, share in sorted(found.items(), key=lambda kv: -kv[1])]
    return f"CPU profile of the Rasa process ({total} samples):\n" + "\n".join(lines)
