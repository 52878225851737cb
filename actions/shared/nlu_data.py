"""Reading Rasa NLU training files (data/nlu/*.yml) as plain YAML: the action
server and scripts need their examples without loading Rasa itself."""
from __future__ import annotations

from typing import Any, Dict, List


def examples_by_intent(data: Dict[str, Any]) -> Dict[str, List[str]]:
    """intent -> its examples' text (as written, entity markup included) of a
    parsed NLU file; blocks of the same intent are joined."""
    found: Dict[str, List[str]] = {}
    for block in (data or {}).get("nlu") or []:
        if block.get("intent"):
            found.setdefault(block["intent"], []).extend(
                line.strip()[2:].strip() for line in str(block.get("examples") or "").splitlines()
                if line.strip().startswith("- "))
    return found
