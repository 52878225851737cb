"""Checks the action server's answers with a validator built once.

Rasa 3.6's RemoteAction._validate_action_result calls jsonschema.validate()
on every action call, and that re-checks the schema itself and builds a new
validator each time: in a profile of Harbor under load it was about 30% of
the Rasa process's CPU (issue 13, bench/README.md). The check stays, with the
same schema, validator class and error message: only the schema check and
the validator construction happen once, when Rasa starts.

Installed by scripts/rasa_server.py before Rasa loads (HARBOR_COMPILED_ACTION_SCHEMA=0
leaves Rasa's own method in place, for side-by-side benchmarks).
"""
from __future__ import annotations

import os
from typing import Any, Dict, Text


def install() -> bool:
    if os.environ.get("HARBOR_COMPILED_ACTION_SCHEMA", "1") == "0":
        return False
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)  # what jsonschema.validate() picks
    cls.check_schema(schema)     # what jsonschema.validate() does on every call
    validator = cls(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        error = next(iter(validator.iter_errors(result)), None)
        if error is None:
            return True
        # the error jsonschema.validate() would raise: the most relevant one
        from jsonschema.exceptions import best_match

        error = best_match(validator.iter_errors(result)) or error
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error if isinstance(error, ValidationError) else ValidationError(error.message)

    RemoteAction._validate_action_result = _validate_action_result
    return True
