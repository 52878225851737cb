"""A message that is only a rating ("5", "4/5", "5 stars", "⭐⭐⭐⭐") is the
intent `rate`, whatever the classifier thought.

Why: a bare digit is not taught as `rate` (it also answers "how many months?"
in the pause form), so the classifier's guess for it changes from one
training to the next: `nlu_fallback` one day, `inform` the next, and after
the satisfaction question an `inform` left the dialogue policy unsure and
the customer without an answer. Inside a form the form still reads the
digit as its answer (slot extraction reads the text, and `rate` does not
interrupt a form); outside one, `rate` is answered by action_record_csat.
The pattern is actions/csat.py's, written once.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.csat import BARE_RATING

RATE = "rate"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class BareRating(GraphComponent):
    """Relabels a bare rating `rate` (the classifier's guess kept in `rerouted_from`)."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "BareRating":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") != RATE and BARE_RATING.match(message.get(TEXT) or ""):
                message.set(INTENT, {"name": RATE, "confidence": 1.0}, add_to_output=True)
                message.set("rerouted_from", intent.get("name"), add_to_output=True)
        return messages
