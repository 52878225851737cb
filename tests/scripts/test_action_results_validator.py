"""The validator built once (addons/performance/action_results.py) accepts and
rejects exactly what Rasa's own per-call jsonschema.validate() does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate

RESPONSES = [
    {"events": [{"event": "slot", "name": "order_id", "value": "10231", "timestamp": None},
                {"event": "active_loop", "name": None}], "responses": [{"text": "Shipped"}]},
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "followup", "name": "action_handoff"}, {"event": "pause"}]},
    {"events": [{"event": "nonsense"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
    {"events": [{"event": "slot"}]},
]


@pytest.fixture(scope="module")
def compiled():
    from rasa.core.actions.action import RemoteAction

    from addons.performance import action_results

    original = RemoteAction._validate_action_result
    assert action_results.install()
    yield RemoteAction.__new__(RemoteAction), RemoteAction.action_response_format_spec()
    RemoteAction._validate_action_result = original


@pytest.mark.parametrize("response", RESPONSES)
def test_the_compiled_check_agrees_with_rasas_own(compiled, response):
    action, schema = compiled
    try:
        validate(response, schema)
        expected = None
    except ValidationError as error:
        expected = error.message
    if expected is None:
        assert action._validate_action_result(response) is True
    else:
        with pytest.raises(ValidationError) as raised:
            action._validate_action_result(response)
        assert raised.value.message.startswith(expected)
        assert "Failed to validate Action server response" in raised.value.message
