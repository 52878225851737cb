"""Which language a customer writes in, and what the bot does about it.

lingua-language-detector (pinned; its models ship inside the wheel, nothing
is downloaded at run time) is restricted to the languages our customers write
in, which makes it accurate on short chat messages. A detection counts only
when it is sure (see detect()) and the message has at least `min_words`
words of letters (or is one of a few unmistakable greetings, which no
statistical detector can place from one word). Otherwise the message says nothing about
the language and the conversation keeps the one it had: "10231", "ok" or an
email never switch a Spanish conversation back to English.

What the component adds to each parsed message:
- `language`: {"code", "confidence", "sure"} (analytics, the inbox);
- when sure, an entity `language` that fills the `language` slot (domain/
  core.yml), which responses (conditional variations) and actions
  (actions/shared/language.py) answer in;
- when sure of a language people answer but the bot does not (SERVED), the
  intent `other_language` (the original stays in `rerouted_from`): the bot
  says in that language that a person who speaks it will help, and hands off.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.shared.language import ANSWERED, NAMES

# ISO 639-1 codes: the languages we detect; the bot answers in SERVED, people in the rest.
LANGUAGES = tuple(NAMES)
SERVED = frozenset(ANSWERED)
OTHER_LANGUAGE = "other_language"
WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|\d+")  # emails, links, numbers: no language
# One-word messages the detector cannot place but nobody misreads.
GREETINGS = {
    "hola": "es", "buenas": "es", "gracias": "es", "buenos dias": "es", "buenos días": "es",
    "bonjour": "fr", "bonsoir": "fr", "merci": "fr", "salut": "fr",
    "hallo": "de", "danke": "de", "guten tag": "de", "servus": "de",
    "olá": "pt", "obrigado": "pt", "obrigada": "pt", "bom dia": "pt",
    "ciao": "it", "grazie": "it", "buongiorno": "it", "buonasera": "it",
}


@lru_cache(maxsize=1)
def detector():
    """Built once per process (~1 s, ~100 MB with the six models preloaded)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect(text: Text, max_english: float = 0.1, min_english: float = 0.5,
           min_words: int = 2) -> Tuple[Optional[str], float]:
    """(code, confidence) when sure of `text`'s language, else (None, best confidence).

    Sure of another language than English only when English is all but ruled
    out (at most `max_english`): on the 3,566 English examples in data/ and
    tests/ that never happens, while the top language's own confidence is
    often split between close languages (Spanish/Portuguese)."""
    words_only = NOT_WORDS.sub(" ", text or "")
    short = " ".join(re.sub(r"[^\w\s]", " ", words_only.lower()).split())
    if short in GREETINGS:
        return GREETINGS[short], 1.0
    words = WORD.findall(words_only)
    if len(words) < min_words:
        first = words[0].lower() if words else ""
        return (GREETINGS[first], 1.0) if first in GREETINGS else (None, 0.0)
    values = detector().compute_language_confidence_values(words_only)
    if not values:
        return None, 0.0
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    english = next((v.value for v in values if v.language.iso_code_639_1.name == "EN"), 0.0)
    if code == "en":
        return (code, float(best.value)) if best.value >= min_english else (None, float(best.value))
    return (code, float(best.value)) if english <= max_english else (None, float(best.value))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds the message's language (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_english": 0.1, "min_english": 0.5, "min_words": 2}

    def __init__(self, config: Dict[Text, Any]) -> None:
        merged = {**self.get_default_config(), **config}
        self.thresholds = {"max_english": float(merged["max_english"]),
                           "min_english": float(merged["min_english"]), "min_words": int(merged["min_words"])}
        detector()  # load now, not on the first customer's message

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetector":
        return cls(config)

    @staticmethod
    def served_after_all(message: Message) -> None:
        """The classifier took a message in a language we answer for one we
        do not ("no, así está bien" looks Portuguese to it): its next guess."""
        ranking = [r for r in message.get("intent_ranking") or []
                   if r.get("name") not in (OTHER_LANGUAGE, "nlu_fallback")]
        if ranking:
            message.set(INTENT, {"name": ranking[0]["name"], "confidence": ranking[0]["confidence"]},
                        add_to_output=True)
            message.set("rerouted_from", OTHER_LANGUAGE, add_to_output=True)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # a button's payload, not words
                continue
            code, confidence = detect(text, **self.thresholds)
            message.set("language", {"code": code, "confidence": round(confidence, 3), "sure": code is not None},
                        add_to_output=True)
            if code is None:
                continue
            if code in SERVED and (message.get(INTENT) or {}).get("name") == OTHER_LANGUAGE:
                self.served_after_all(message)
            entity = {"entity": "language", "value": code, "start": 0, "end": 0,
                      "confidence_entity": round(confidence, 3), "extractor": "LanguageDetector"}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            if code not in SERVED:
                intent = message.get(INTENT) or {}
                if intent.get("name") != OTHER_LANGUAGE:
                    message.set("rerouted_from", intent.get("name"), add_to_output=True)
                message.set(INTENT, {"name": OTHER_LANGUAGE, "confidence": round(confidence, 4)},
                            add_to_output=True)
        return messages
