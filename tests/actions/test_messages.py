"""Every message an action names exists: in actions/messages/*.yml or among
the domain's responses (actions/shared/messages.py)."""
from __future__ import annotations

import re

from actions.shared.messages import catalogue
from tests.support.domain import DOMAIN
from tests.support.procs import ROOT

RESPONSES = set(DOMAIN.get("responses") or {})


def test_every_message_named_in_the_actions_is_defined():
    source = "\n".join(p.read_text() for p in sorted((ROOT / "actions").rglob("*.py")))
    used = {name for name in re.findall(r'"(utter_[a-z0-9_]+)"', source) if not name.endswith("_")}
    used.discard("utter_action")  # the metadata key, not a message
    assert used - set(catalogue()) - RESPONSES == set()


def test_no_message_is_defined_in_the_domain_and_for_the_actions_both():
    assert set(catalogue()) & RESPONSES == set()


def _placeholders(text: str) -> set:
    return set(re.findall(r"(?<!\{)\{([a-z_]+)\}(?!\})", text))


def test_every_translation_is_of_an_english_message_with_its_placeholders_and_buttons():
    english = catalogue()
    for folder in sorted(p for p in (ROOT / "actions" / "messages").iterdir() if p.is_dir()):
        for name, variations in catalogue(folder.name).items():
            assert name in english, f"{folder.name}/{name} translates no English message"
            original = english[name][0]
            for variation in variations:
                # a translation may leave out an English-only value (e.g. the team's name)
                assert _placeholders(variation["text"]) <= _placeholders(original["text"]), (folder.name, name)
                assert [b["payload"] for b in variation.get("buttons", [])] == \
                       [b["payload"] for b in original.get("buttons", [])], (folder.name, name)


def test_spanish_translates_every_message_the_actions_send():
    assert set(catalogue()) - set(catalogue("es")) == set()


def test_month_words_follow_the_conversations_language():
    from actions.shared import language
    from actions.shared.common import month_word

    assert (month_word(1), month_word(3)) == ("month", "months")
    token = language.current.set("es")
    try:
        assert (month_word(1), month_word(3)) == ("mes", "meses")
    finally:
        language.current.reset(token)


def test_every_request_button_has_a_spanish_title():
    from actions.shared.messages import titles
    from actions.shared.requests import INTENT_TITLES

    assert set(INTENT_TITLES) - set(titles("es")) == set()
    assert set(titles("es")) - set(INTENT_TITLES) == {"out_of_scope"}  # "Otra cosa"


async def test_did_you_mean_offers_its_buttons_in_the_conversations_language():
    from rasa_sdk.executor import CollectingDispatcher

    from actions.misc import ActionDefaultAskAffirmation
    from actions.shared import language
    from tests.support.trackers import says

    tracker = says("oye, una cosa de mi cuenta y del pedido", "nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.6}, {"name": "edit_account", "confidence": 0.4},
        {"name": "track_order", "confidence": 0.3}]
    token = language.current.set("es")
    try:
        dispatcher = CollectingDispatcher()
        await ActionDefaultAskAffirmation().run(dispatcher, tracker, {})
    finally:
        language.current.reset(token)
    titles = [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]
    assert titles == ["Cambiar los datos de mi cuenta", "Seguir un pedido", "Otra cosa"]
