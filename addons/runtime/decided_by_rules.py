"""TEDPolicy does not run when RulePolicy has already decided the next action.

Rasa 3.6 runs every policy for every prediction and then picks the most
confident (ties: the higher priority). When RulePolicy predicts an action
with confidence 1.0 (a rule or a form's happy path applies), nothing can beat
it: no policy is more confident, and RulePolicy has the highest priority.
TEDPolicy's TensorFlow call (about a sixth of a busy Rasa process's CPU) is
then thrown away. Here RulePolicy notes its prediction on the tracker it saw,
and TEDPolicy, asked about the same tracker with the same events, answers
"no opinion" (all zeros) instead of running its model, so the ensemble picks
exactly what it picked before. TED still runs whenever its answer could
matter:
- RulePolicy was less than certain (no rule applies: TED's turn);
- TED was trained with user text (an end-to-end prediction would overrule a
  rule's, unless the rule's is a loop's happy path, which overrules all);
- the last action was rejected (the ensemble zeroes it in every prediction,
  and then TED's second choice can win);
- RulePolicy has not run yet for this prediction (the graph's order; then
  nothing is skipped).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text, Tuple

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

_rule_predict = RulePolicy.predict_action_probabilities
_ted_predict = TEDPolicy.predict_action_probabilities
# Set on the tracker RulePolicy saw: (its number of events, RulePolicy's
# prediction). Not part of the tracker's state (never serialised); a copy made
# later carries it, and the number of events tells whether it still applies.
NOTE = "_harbor_rule_prediction"
skipped = {"ted": 0, "ran": 0}  # for tests and curiosity


def rule_predict(self: RulePolicy, tracker: DialogueStateTracker, domain: Domain,
                 rule_only_data: Optional[Dict[Text, Any]] = None, **kwargs: Any) -> PolicyPrediction:
    prediction = _rule_predict(self, tracker, domain, rule_only_data=rule_only_data, **kwargs)
    setattr(tracker, NOTE, (len(tracker.events), prediction))
    return prediction


def _last_action_rejected(tracker: DialogueStateTracker) -> bool:
    last = next((e for e in reversed(tracker.events)
                 if isinstance(e, (ActionExecuted, ActionExecutionRejected))), None)
    return isinstance(last, ActionExecutionRejected)


def rules_decided(ted: TEDPolicy, tracker: DialogueStateTracker) -> bool:
    """Whether RulePolicy's prediction for this very tracker wins whatever TED says."""
    seen: Optional[Tuple[int, PolicyPrediction]] = getattr(tracker, NOTE, None)
    if seen is None or seen[0] != len(tracker.events):
        return False
    rule = seen[1]
    if rule.max_confidence < 1.0 or rule.policy_priority <= ted.priority:
        return False
    if TEXT in (getattr(ted, "fake_features", None) or {}) and not rule.is_no_user_prediction:
        return False
    return not _last_action_rejected(tracker)


def ted_predict(self: TEDPolicy, tracker: DialogueStateTracker, domain: Domain,
                rule_only_data: Optional[Dict[Text, Any]] = None, **kwargs: Any) -> PolicyPrediction:
    if self.model is not None and rules_decided(self, tracker):
        skipped["ted"] += 1
        return self._prediction(self._default_predictions(domain))
    skipped["ran"] += 1
    return _ted_predict(self, tracker, domain, rule_only_data=rule_only_data, **kwargs)


def install() -> None:
    RulePolicy.predict_action_probabilities = rule_predict  # type: ignore[assignment]
    TEDPolicy.predict_action_probabilities = ted_predict  # type: ignore[assignment]
