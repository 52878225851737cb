"""Finds held-out examples that copy or nearly copy a training example.

The held-out set only measures generalisation if the model never saw its
sentences; used by tests/nlu/test_heldout_set.py and bench/nlu_eval.py.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Iterable, List, Tuple

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.training_data import TrainingData

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
HELDOUT = ROOT / "tests" / "nlu" / "heldout_whatsapp.yml"
# Every held-out set: English (WhatsApp-style), Spanish, and the languages
# people answer (each reported apart by bench/nlu_eval.py).
HELDOUT_SETS = {
    "whatsapp": HELDOUT,
    "spanish": ROOT / "tests" / "nlu" / "heldout_spanish.yml",
    "other_languages": ROOT / "tests" / "nlu" / "heldout_other_languages.yml",
}
# Two texts this similar (difflib ratio on normalised text) count as a copy:
# "wheres my order 10231" vs "where's my order 10232" is 0.95.
NEAR_COPY_RATIO = 0.9


def normalise(text: str) -> str:
    """Lower case, digits and punctuation folded, so only wording is compared."""
    text = re.sub(r"\d", "0", text.lower())
    return " ".join(re.sub(r"[^\w@]+", " ", text).split())


def load(paths: Iterable[Path]) -> TrainingData:
    """Merged NLU training data from YAML files."""
    reader = RasaYAMLReader()
    return TrainingData().merge(*(reader.read(path) for path in sorted(paths)))


def training_data() -> TrainingData:
    """All NLU examples the model trains on."""
    return load(NLU_DIR.rglob("*.yml"))


def heldout_data(name: str = "whatsapp") -> TrainingData:
    """A held-out test set (default: the English WhatsApp-style one)."""
    return load([HELDOUT_SETS[name]])


def all_heldout_data() -> TrainingData:
    """Every held-out set together (none may copy the training data)."""
    return load(HELDOUT_SETS.values())


def near_copies(
    heldout: Iterable[str], training: Iterable[str], ratio: float = NEAR_COPY_RATIO
) -> List[Tuple[str, str]]:
    """(held-out text, training text) pairs that are copies or near-copies."""
    train = {normalise(t): t for t in training}
    pairs = []
    for text in heldout:
        norm = normalise(text)
        if norm in train:
            pairs.append((text, train[norm]))
            continue
        matcher = SequenceMatcher(None, b=norm, autojunk=False)
        for other_norm, other in train.items():
            matcher.set_seq1(other_norm)
            if (
                matcher.real_quick_ratio() >= ratio
                and matcher.quick_ratio() >= ratio
                and matcher.ratio() >= ratio
            ):
                pairs.append((text, other))
                break
    return pairs
