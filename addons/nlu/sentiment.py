"""Message sentiment and frustration, added to every parse result.

Dialogue policies and the handoff action read `tracker.latest_message
["sentiment"]` to offer a human sooner to customers who are upset. VADER gives
the polarity; VADER alone misses the cues that matter most in support chats
("THIRD TIME asking", "still waiting", "!!!") because they carry no negative
words, so those are detected by simple rules and reported as `signals`.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

SENTIMENT = "sentiment"

# Repeated contact is the strongest frustration cue in support chats.
REPEATED_CONTACT = re.compile(
    r"\b(?:(?:second|2nd|third|3rd|fourth|4th|fifth|5th|\d+(?:st|nd|rd|th)?)\s+time"
    r"|(?:still|been)\s+waiting|still\s+(?:no|not|nothing|haven'?t|hasn'?t|didn'?t)"
    r"|already\s+(?:told|asked|said|sent|explained|contacted|called|wrote)"
    r"|(?:asked|told|contacted|called|wrote|written|messaged)\s+(?:you\s+)?"
    r"(?:\w+\s+)?(?:times|twice|again)"
    r"|again\s*[!?]{2,}|how many times|every time|for (?:days|weeks|ages))",
    re.IGNORECASE,
)
# Kept small on purpose: words that mean anger in a support chat, not a
# moderation list. Matched as whole words, including common leetspeak/stars.
PROFANITY = re.compile(
    r"\b(?:f+u+c+k\w*|f\*+k\w*|fck\w*|wtf|shit\w*|sh\*t|bullshit|crap\w*|damn\w*|"
    r"goddamn\w*|bloody|bastard\w*|ass(?:hole)?s?|piss\w*|screw(?:ed)? you|"
    r"stfu|bs)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W\d_]{3,}")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentimentAnalyzer(GraphComponent):
    """Sets `sentiment` = {compound, label, frustrated, signals} on each message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Thresholds; override them in config.yml."""
        return {
            # VADER's conventional cut-offs for the label.
            "positive_threshold": 0.05,
            "negative_threshold": -0.05,
            # Below this compound score a message counts as frustrated by itself.
            "frustrated_threshold": -0.6,
            # Share of 3+ letter words written in capitals that counts as shouting.
            "shouting_ratio": 0.6,
            # Shouting needs this many such words: a lone "UPS" or "ASAP" is not shouting.
            "shouting_min_words": 2,
            # This many "!" in one message counts as frustration.
            "exclamation_marks": 3,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Creates the component; VADER's lexicon loads once here."""
        self._config = {**self.get_default_config(), **config}
        self._vader = SentimentIntensityAnalyzer()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentimentAnalyzer:
        """Creates the component (nothing to train or persist)."""
        return cls(config)

    def analyze(self, text: Optional[Text]) -> Dict[Text, Any]:
        """Scores one text; pure function of the text and the config."""
        text = text or ""
        config = self._config
        compound = round(self._vader.polarity_scores(text)["compound"], 4)
        if compound >= config["positive_threshold"]:
            label = "positive"
        elif compound <= config["negative_threshold"]:
            label = "negative"
        else:
            label = "neutral"

        signals: List[Text] = []
        if compound <= config["frustrated_threshold"]:
            signals.append("very_negative")
        words = WORD.findall(text)
        capitals = [w for w in words if w.isupper()]
        if (
            len(capitals) >= config["shouting_min_words"]
            and len(capitals) >= config["shouting_ratio"] * len(words)
        ):
            signals.append("shouting")
        if REPEATED_CONTACT.search(text):
            signals.append("repeated_contact")
        if PROFANITY.search(text):
            signals.append("profanity")
        if text.count("!") >= config["exclamation_marks"]:
            signals.append("exclamations")

        return {
            "compound": compound,
            "label": label,
            "frustrated": bool(signals),
            "signals": signals,
        }

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the sentiment to each message's parse output."""
        for message in messages:
            message.set(
                SENTIMENT, self.analyze(message.get(TEXT)), add_to_output=True
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Scores training examples too, so end-to-end featurization sees the same
        messages at training and inference time."""
        self.process(
            [m for m in training_data.training_examples if m.get(TEXT) is not None]
        )
        return training_data
