"""addons/runtime's policy fixes (decided_by_rules: no TEDPolicy when
RulePolicy is certain; rule_index: RulePolicy checks only the rules that can
match) pick the same action, by the same policy, with the same confidence,
at every step of real conversations (the project's model, the real action
server and CRM), and do skip TED at most of them. (In our design rules and
forms decide most steps; TED's turn is when none is certain.)"""
from __future__ import annotations

import asyncio
from typing import List, Tuple

from rasa.core.agent import load_agent
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig

from addons.runtime import decided_by_rules, rule_index
from tests.support.stack import ACTION_TOKEN

CONVERSATIONS = [
    ["hi", "where is my order 10231?", "maya.patel@example.com", "thanks", "5", "bye"],
    ["hello", "what is your return policy?", "i want to return my order", "stop", "yes", "ok"],
    ["i got charged twice do i get all my money back", "what payment methods do you accept"],
    ["hola, dónde está mi pedido 10231?", "asdfgh", "how long does shipping take?",
     "i want to cancel my order", "never mind"],
]


def _steps(agent, sender_prefix: str) -> List[Tuple[str, str, float]]:
    """(policy, action, confidence) of every prediction in CONVERSATIONS."""
    del STEPS[:]
    for n, messages in enumerate(CONVERSATIONS):
        for text in messages:
            asyncio.run(agent.handle_text(text, sender_id=f"{sender_prefix}-{n}"))
    return list(STEPS)


STEPS: List[Tuple[str, str, float]] = []


def _recording(combine):
    def spy(self, tracker, domain, **kwargs):
        best = combine(self, tracker, domain, **kwargs)
        top = max(range(len(best.probabilities)), key=best.probabilities.__getitem__)
        STEPS.append((best.policy_name, domain.action_names_or_texts[top], round(best.max_confidence, 6)))
        return best
    return spy


def _agent(model, action_server):
    # Rasa binds each graph node's method when it loads the model: patch first.
    endpoint = EndpointConfig(url=f"{action_server.url}/webhook",
                              headers={"Authorization": f"Bearer {ACTION_TOKEN}"})
    return asyncio.run(load_agent(model_path=str(model), endpoints=AvailableEndpoints(action=endpoint)))


def test_the_policy_fixes_pick_the_same_action_at_every_step(trained_model, action_server):
    original = (RulePolicy.predict_action_probabilities, TEDPolicy.predict_action_probabilities,
                DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs,
                RulePolicy._get_possible_keys)
    DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs = _recording(original[2])
    decided_by_rules.skipped.update(ted=0, ran=0)
    try:
        shipped = _steps(_agent(trained_model, action_server), "shipped")
        assert decided_by_rules.skipped == {"ted": 0, "ran": 0}
        decided_by_rules.install()
        rule_index.install()
        fixed = _steps(_agent(trained_model, action_server), "fixed")
    finally:
        (RulePolicy.predict_action_probabilities, TEDPolicy.predict_action_probabilities,
         DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs,
         RulePolicy._get_possible_keys) = original
    assert fixed == shipped
    assert {"track_order_form", "action_track_order"} <= {action for _, action, _ in shipped}
    assert any(confidence < 1.0 for _, _, confidence in shipped)  # steps no rule decided: TED ran
    assert decided_by_rules.skipped["ted"] > decided_by_rules.skipped["ran"] > 0
