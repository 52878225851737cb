"""Language detection (addons/nlu/language.py) on real messages: the issue's
examples, every English example we have, and what must not switch a language."""
from __future__ import annotations

import pytest

from addons.nlu.language import detect
from tests.support.heldout import HELDOUT, NLU_DIR, load


@pytest.mark.parametrize("text, code", [
    ("hola, dónde está mi pedido 10231?", "es"),
    ("quiero devolver un producto", "es"),
    ("Bonjour, je veux retourner ma commande 10239", "fr"),
    ("Ich möchte mit einem Menschen sprechen", "de"),
    ("quero cancelar meu pedido 10234", "pt"),
    ("voglio parlare con una persona", "it"),
    ("hola", "es"), ("Hallo!", "de"), ("merci beaucoup", "fr"),
    ("where is my order 10231", "en"),
])
def test_the_issues_messages_are_detected_in_their_language(text, code):
    assert detect(text)[0] == code


@pytest.mark.parametrize("text", ["10231", "maya.patel@example.com", "ok", "si", "thanks", "R-5001", "👍"])
def test_numbers_emails_and_one_word_answers_leave_the_conversations_language_as_it_was(text):
    assert detect(text)[0] is None


def test_no_english_example_we_have_is_taken_for_another_language():
    english = [path for path in NLU_DIR.rglob("*.yml")
               if "es" not in path.relative_to(NLU_DIR).parts[:-1] and path.name != "other_languages.yml"]
    texts = [m.get("text") for m in load([*english, HELDOUT]).intent_examples]
    assert len(texts) > 3000
    # "hola" is a Spanish greeting among the English small talk: Spanish it is
    assert [t for t in texts if detect(t)[0] not in (None, "en") and t.lower() != "hola"] == []
