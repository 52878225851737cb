"""The held-out sets (English, Spanish, other languages) stay unseen and covers every intent; training data covers them too."""
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.support.heldout import all_heldout_data, near_copies, training_data

ROOT = Path(__file__).resolve().parents[2]
INTENTS = yaml.safe_load((ROOT / "domain" / "intents.yml").read_text())["intents"]


@pytest.fixture(scope="module")
def heldout():
    return all_heldout_data()


@pytest.fixture(scope="module")
def training():
    return training_data()


def test_heldout_has_no_copy_of_a_training_example(heldout, training):
    copies = near_copies(
        [m.get("text") for m in heldout.intent_examples],
        [m.get("text") for m in training.intent_examples],
    )
    assert copies == []


def test_near_copy_check_catches_reworded_numbers_and_punctuation():
    assert near_copies(["Where's my order 10232??"], ["wheres my order 10231"])
    assert not near_copies(["how do i return a sweater"], ["wheres my order 10231"])


def test_heldout_covers_every_intent_at_least_four_times(heldout):
    counts = Counter(m.get("intent") for m in heldout.intent_examples)
    assert len(heldout.intent_examples) >= 150
    assert {i: counts[i] for i in INTENTS if counts[i] < 4} == {}


def test_every_intent_has_own_examples_beyond_licensed_data():
    own = Counter()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" in block:
                own[block["intent"]] += block["examples"].count("\n- ") + 1
    assert {i: own[i] for i in INTENTS if own[i] < 25} == {}


def test_training_data_uses_only_declared_intents_and_entities(training):
    # Other areas (e.g. system intents that only services trigger) declare
    # their intents in their own domain files, so check against all of domain/.
    declared_intents, declared_entities = set(), set()
    for path in (ROOT / "domain").glob("*.yml"):
        content = yaml.safe_load(path.read_text()) or {}
        declared_intents |= {i if isinstance(i, str) else next(iter(i))
                             for i in content.get("intents", [])}
        declared_entities |= {e if isinstance(e, str) else next(iter(e))
                              for e in content.get("entities", [])}
    assert set(training.intents) - declared_intents == set()
    assert set(training.entities) - declared_entities == set()
