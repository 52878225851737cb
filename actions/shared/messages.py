"""Messages that custom actions send, kept as data designers can edit.

Rasa's domain `responses` are for what stories and rules say; `rasa data
validate` warns about any response no story or rule uses. What only actions
say (order facts, refund amounts, verification steps) therefore lives in
actions/messages/*.yml, in the same format as domain responses: a list of
variations, each with `text` ({placeholders} filled from the action's
values) and optional `buttons`. A name found in neither place is a bug that
tests/actions/test_messages.py catches.

Translations live in actions/messages/<language>/ with the same names
(actions/messages/es/ for Spanish); a message not translated yet is sent in
English, and the test checks that each translation has the same placeholders
and buttons as its English original.
"""
from __future__ import annotations

import random
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.shared.language import DEFAULT, current

MESSAGES_DIR = Path(__file__).resolve().parents[1] / "messages"
# <language>/titles.yml: the requests' button titles (not messages).
TITLES = "titles.yml"


@lru_cache(maxsize=None)
def catalogue(language: str = DEFAULT) -> Dict[str, List[Dict[str, Any]]]:
    """The messages in `language` (English: the files directly in MESSAGES_DIR)."""
    folder = MESSAGES_DIR if language == DEFAULT else MESSAGES_DIR / language
    messages: Dict[str, List[Dict[str, Any]]] = {}
    for path in sorted(p for p in folder.glob("*.yml") if p.name != TITLES):
        for name, variations in (yaml.safe_load(path.read_text()) or {}).items():
            if name in messages:
                raise ValueError(f"message {name!r} is defined twice ({path.name})")
            messages[name] = variations
    return messages


@lru_cache(maxsize=None)
def titles(language: str) -> Dict[str, str]:
    """Button titles of the registry's requests in `language` (English: the
    registry's own, actions/shared/requests.py)."""
    path = MESSAGES_DIR / language / TITLES
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


def button_title(intent: str, english: str) -> str:
    """A request's button title in the conversation's language, `english` where none."""
    return titles(current.get()).get(intent) or english


class _Keep(dict):
    """Leaves unknown placeholders visible instead of failing the whole turn."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Dict[str, Any]) -> str:
    return string.Formatter().vformat(template, (), _Keep(values))


def utter(dispatcher: CollectingDispatcher, name: str, trace: Optional[Dict[str, Any]] = None,
          **values: Any) -> None:
    """Sends message `name` with `values`; domain responses work too. `trace`
    goes into the bot event's metadata (e.g. the knowledge passage quoted)."""
    variations = catalogue(current.get()).get(name) or catalogue().get(name)
    if variations is None:
        dispatcher.utter_message(response=name, **values, **(trace or {}))
        return
    chosen = random.choice(variations)
    buttons = [{"title": fill(b["title"], values), "payload": fill(b["payload"], values)}
               for b in chosen.get("buttons", [])]
    buttons += values.pop("extra_buttons", None) or []
    # `utter_action` names the message in the bot event's metadata, as Rasa
    # does for domain responses, so tests and analytics see which one it was.
    dispatcher.utter_message(text=fill(chosen["text"], values), buttons=buttons or None,
                             utter_action=name, **(trace or {}))


def message_name(message: Dict[str, Any]) -> str:
    """Which message a dispatched message was (for tests and logs)."""
    return message.get("response") or message.get("utter_action") or ""
