"""Makes pattern-shaped entities exact: drops extracted values that don't fit
their pattern and adds unambiguous matches the extractor missed.

Why: a learned extractor (CRF/DIET) finds order numbers from context, so it
may also tag the "3" of "tried 3 times" as an order_id; a regex alone can't
tell an order number from a zip code. Together they are near-perfect: the
model proposes, the pattern disposes.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class EntityPatternGuard(GraphComponent):
    """Filters (and for some types adds) entities by full-match patterns."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """`validate`: an extracted value must fully match; `add`: matches in the
        text that no entity covers are added (only for unambiguous shapes)."""
        return {
            "validate": {
                "order_id": r"\d{5}|\d{8,15}",
                "email": r"[\w.+-]+@[\w-]+(\.[\w-]+)+",
                "invoice_id": r"(?i:inv-?)?\d{4,}",
                "refund_id": r"(?i:r)-\d{3,}",
            },
            "add": {
                "email": r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
                "invoice_id": r"(?i)\binv-\d{4,}\b",
                "refund_id": r"(?i)\br-\d{3,}\b",
            },
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Compiles the configured patterns."""
        config = {**self.get_default_config(), **config}
        self._validate = {k: re.compile(v) for k, v in config["validate"].items()}
        self._add = {k: re.compile(v) for k, v in config["add"].items()}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityPatternGuard:
        """Creates the component (nothing to train)."""
        return cls(config)

    def fix(self, text: Text, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        """The entities of `text` with pattern violations removed and misses added."""
        kept = [
            e
            for e in entities
            if e[ENTITY_ATTRIBUTE_TYPE] not in self._validate
            or self._validate[e[ENTITY_ATTRIBUTE_TYPE]].fullmatch(
                str(e[ENTITY_ATTRIBUTE_VALUE])
            )
        ]
        for entity_type, pattern in self._add.items():
            for match in pattern.finditer(text):
                start, end = match.span()
                covered = any(
                    e[ENTITY_ATTRIBUTE_START] < end and start < e[ENTITY_ATTRIBUTE_END]
                    for e in kept
                    if e.get(EXTRACTOR) != "SpacyEntityExtractor"
                )
                if not covered:
                    kept.append(
                        {
                            ENTITY_ATTRIBUTE_TYPE: entity_type,
                            ENTITY_ATTRIBUTE_START: start,
                            ENTITY_ATTRIBUTE_END: end,
                            ENTITY_ATTRIBUTE_VALUE: match.group(),
                            EXTRACTOR: self.__class__.__name__,
                        }
                    )
        return sorted(kept, key=lambda e: e[ENTITY_ATTRIBUTE_START])

    def process(self, messages: List[Message]) -> List[Message]:
        """Fixes the entities extracted so far on each message."""
        for message in messages:
            entities = message.get(ENTITIES) or []
            message.set(
                ENTITIES, self.fix(message.get(TEXT) or "", entities), add_to_output=True
            )
        return messages
