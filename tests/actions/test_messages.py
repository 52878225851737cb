"""Every message an action names exists: in actions/messages/*.yml or among
the domain's responses (actions/messages.py)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from actions.messages import catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_named_in_the_actions_is_defined():
    source = "\n".join(p.read_text() for p in sorted((ROOT / "actions").rglob("*.py")))
    used = {name for name in re.findall(r'"(utter_[a-z0-9_]+)"', source) if not name.endswith("_")}
    used.discard("utter_action")  # the metadata key, not a message
    responses = set()
    for path in (ROOT / "domain").glob("*.yml"):
        responses |= set((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
    assert used - set(catalogue()) - responses == set()


def test_no_message_is_defined_in_the_domain_and_for_the_actions_both():
    responses = set()
    for path in (ROOT / "domain").glob("*.yml"):
        responses |= set((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
    assert set(catalogue()) & responses == set()
