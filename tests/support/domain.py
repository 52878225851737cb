"""The assistant's domain as Rasa loads it (domain/*.yml), for action tests:
forms' required slots come from here, never copied into a test by hand."""
from __future__ import annotations

from typing import Any, Dict, List

import yaml

from tests.support.procs import ROOT

DOMAIN_DIR = ROOT / "domain"


def load_domain() -> Dict[str, Any]:
    """Every domain/*.yml merged, as `rasa` merges a domain folder (forms, slots...)."""
    merged: Dict[str, Any] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(value, dict):
                merged[key] = {**merged.get(key, {}), **value}
            elif isinstance(value, list):
                merged[key] = merged.get(key, []) + value
    return merged


DOMAIN = load_domain()


def required(form: str) -> List[str]:
    """The slots `form` asks for, in order."""
    return list(DOMAIN["forms"][form]["required_slots"])


def with_forms(*forms: str) -> Dict[str, Any]:
    """A domain that knows only these forms: what an action sees when the
    others (e.g. the duplicate-charge form a refund can hand over to) are absent."""
    return {"forms": {form: {"required_slots": required(form)} for form in forms}}
