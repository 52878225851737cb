"""Validates action-server responses with a compiled jsonschema validator.

Rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate`
on every action call, which re-checks the *schema* against its metaschema and
builds a new validator each time: about 30% of a busy Rasa process's CPU.
The schema is a constant (`RemoteAction.action_response_format_spec()`), so
it is checked and compiled once here; every response is still validated, and
an invalid one raises the same `ValidationError` (the best-matching error,
as `jsonschema.validate` picks it) with Rasa's explanation appended.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=None)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Drop-in for `RemoteAction._validate_action_result`."""
    error = exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
