"""Sends a general question to the store's knowledge instead of a flow.

"How long do I have to return a jacket?" reads like return_item to the
intent classifier, and the return flow would ask for an order number. A
question about the store's rules, not about the customer's own order or
account, is answered instead: this component, after the FallbackClassifier,
relabels such a message `ask_policy` (answered by action_answer_policy from
the knowledge passages) and keeps the original intent in `rerouted_from`, so
the answer can offer to start that request.

A message is rerouted only when all hold: its intent starts a request form;
it asks about facts (QUESTION); it names nothing of the customer's own (OWN:
no "my", "me", "can you", "help"; no order, invoice or refund number, no
email: "where is my refund?" is a request); and the knowledge retriever (actions/knowledge/retriever.py) finds a passage
scoring at least `min_score`, higher than the answer threshold: a wrong
reroute costs more than a missed one.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.shared.language import ANSWERED

POLICY_QUESTION = "ask_policy"
# A question about facts ("how long...", "is shipping free...", "can I return
# a clearance item..."), not a request phrased as a question ("can you change
# my address?", "where is my refund?", "how do I cancel my order?"). Kept this
# narrow on purpose: the broad "any question" form cost 2-3 points of intent
# accuracy on the held-out WhatsApp and Bitext sets (bench/README.md).
QUESTION = re.compile(
    r"^\s*(?:(?:hi|hey|hello|quick question|question)[,:!.]?\s+)?(?:"
    r"how (?:long|much|many|soon|fast|late|early)|what(?:'s|s| is| are) (?:the|your)|"
    r"is (?:there|it|shipping|return|delivery|express)|are (?:returns|sale|clearance|final)|"
    r"do (?:you|i have to|i need to|i pay)|does (?:it|shipping|return|express|delivery)|"
    r"can (?:i|we) (?:still )?(?:return|send back|get|pay|cancel|pause|change|use) (?:an?|any|something|"
    r"items?|things?|sale|clearance|opened|used|with|by|after|before|online|in)|if i|until when|by when"
    # Spanish: an opening question word about facts
    r"|¿?\s*(?:cu[aá]nto|cu[aá]ntos|cu[aá]l es|hasta cu[aá]ndo|se puede|es gratis)"
    r")\b", re.I)
# The customer's own request: their order, their account, something for them.
OWN = re.compile(r"\b(?:my|mine|me|can you|could you|can u|could u|would you|will you|help|mi|mis)\b",
                 re.I)
PERSONAL_ENTITIES = frozenset({"order_id", "invoice_id", "refund_id", "email", "amount", "person_name"})


def reroutable_intents() -> frozenset:
    """Requests that start a form (the registry, one place per fact); never a
    request for a person, which a person answers."""
    from actions.shared.requests import REQUEST_STARTERS

    return frozenset(intent for intent, starts in REQUEST_STARTERS.items() if starts.endswith("_form"))


def general_question(text: Text, intent: Text, entities: List[Dict[Text, Any]], min_score: float,
                     intents: frozenset, language: Text = "en") -> Optional[float]:
    """The knowledge score when `text` is a general question to reroute, else None."""
    from actions.knowledge.answering import best_score, names_something

    if intent not in intents or not QUESTION.search(text) or OWN.search(text) or names_something(text):
        return None
    if any(e.get("entity") in PERSONAL_ENTITIES for e in entities):
        return None

    score = best_score(text, language)
    return score if score >= min_score else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class GeneralQuestionRouter(GraphComponent):
    """Relabels general questions `ask_policy` (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_score": 0.5}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.min_score = float({**self.get_default_config(), **config}["min_score"])
        self.intents = reroutable_intents()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GeneralQuestionRouter":
        return cls(config)

    def route(self, text: Text, intent: Dict[Text, Any], entities: List[Dict[Text, Any]],
              language: Text = "en") -> Optional[Tuple[Dict[Text, Any], Text]]:
        score = general_question(text, intent.get("name") or "", entities, self.min_score, self.intents,
                                 language)
        if score is None:
            return None
        return {"name": POLICY_QUESTION, "confidence": round(score, 4)}, intent.get("name") or ""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            # the language of this message, when addons/nlu/language.py was sure of it
            language = (message.get("language") or {}).get("code") or "en"
            routed = self.route(message.get(TEXT) or "", intent, message.get(ENTITIES) or [],
                                language if language in ANSWERED else "en")
            if routed:
                new_intent, original = routed
                message.set(INTENT, new_intent, add_to_output=True)
                message.set("rerouted_from", original, add_to_output=True)
        return messages
