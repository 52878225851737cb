"""The language the bot answers the current conversation in.

addons/nlu/language.py detects each message's language and fills the
`language` slot; domain responses pick their variation by it (Rasa's
conditional variations), and the action texts in actions/messages/<code>/
through utter(). The action server sets `current` once per call from the
tracker it receives (actions/server.py), so no action has to pass it along.
"""
from __future__ import annotations

import contextvars
from typing import Any, Dict, Optional

DEFAULT = "en"
# Languages the bot answers in; a detected language outside these goes to a
# person who speaks it (addons/nlu/language.py SERVED).
ANSWERED = ("en", "es")
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese",
         "it": "Italian"}

current: contextvars.ContextVar[str] = contextvars.ContextVar("harbor_language", default=DEFAULT)


def of_tracker(tracker: Optional[Dict[str, Any]]) -> str:
    """The conversation's language from a tracker as Rasa posts it."""
    slots = (tracker or {}).get("slots") or {}
    return str(slots.get("language") or DEFAULT)


def answering() -> str:
    """The language to answer in now: the conversation's, if the bot speaks it."""
    language = current.get()
    return language if language in ANSWERED else DEFAULT
