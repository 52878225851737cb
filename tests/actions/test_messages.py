"""Every message an action names exists: in actions/messages/*.yml or among
the domain's responses (actions/shared/messages.py)."""
from __future__ import annotations

import re

from actions.shared.messages import catalogue
from tests.support.domain import DOMAIN
from tests.support.procs import ROOT

RESPONSES = set(DOMAIN.get("responses") or {})


def test_every_message_named_in_the_actions_is_defined():
    source = "\n".join(p.read_text() for p in sorted((ROOT / "actions").rglob("*.py")))
    used = {name for name in re.findall(r'"(utter_[a-z0-9_]+)"', source) if not name.endswith("_")}
    used.discard("utter_action")  # the metadata key, not a message
    assert used - set(catalogue()) - RESPONSES == set()


def test_no_message_is_defined_in_the_domain_and_for_the_actions_both():
    assert set(catalogue()) & RESPONSES == set()
