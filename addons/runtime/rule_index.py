"""RulePolicy looks only at the rules that can match the latest state.

Rasa 3.6's `RulePolicy._get_possible_keys` checks every rule (ours: several
hundred, with the loops' unhappy paths) against the conversation's latest
state on every prediction, twice after a user message (by text, then by
intent): about a sixth of a busy Rasa process's CPU. A rule whose latest
state names a previous action can only match a conversation whose previous
action has that name (`_does_rule_match_state`), so the rules are grouped
once by that name, and the latest state is checked against its group and the
rules that name none. Every check is still Rasa's own, on the same rules in
the same order of turns; the scan stops when no rule is left.
"""
from __future__ import annotations

from typing import Dict, List, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.generator import State
from rasa.shared.nlu.constants import ACTION_NAME

ANY = object()  # the group of rules whose latest state names no previous action
# id(lookup) -> (the lookup, its rule keys grouped by their latest previous action)
_groups: Dict[int, Tuple[Dict[Text, Text], Dict[object, Set[Text]]]] = {}


def _named_action(state: State) -> object:
    name = (state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    return name if name and name != SHOULD_NOT_BE_SET else ANY


def groups(lookup: Dict[Text, Text]) -> Dict[object, Set[Text]]:
    """The lookup's rule keys by the previous action their latest state names
    (a loaded model's lookups never change; the lookup is kept to check identity)."""
    found = _groups.get(id(lookup))
    if found is None or found[0] is not lookup:
        grouped: Dict[object, Set[Text]] = {ANY: set()}
        for key in lookup:
            rule_states = RulePolicy._rule_key_to_state(key)
            group = _named_action(rule_states[-1]) if rule_states else ANY
            grouped.setdefault(group, set()).add(key)
        found = _groups[id(lookup)] = (lookup, grouped)
    return found[1]


def get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    """Drop-in for `RulePolicy._get_possible_keys`."""
    if not states:
        return set(lookup.keys())
    grouped = groups(lookup)
    latest = states[-1]
    name = (latest.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    candidates = grouped[ANY] | (grouped.get(name, set()) if name else set())
    possible = {key for key in candidates if self._is_rule_applicable(key, 0, latest)}
    for i, state in enumerate(reversed(states[:-1]), start=1):
        if not possible:
            break
        possible = {key for key in possible if self._is_rule_applicable(key, i, state)}
    return possible


def install() -> None:
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[assignment]
