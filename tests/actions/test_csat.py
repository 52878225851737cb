"""The rating question's rules and how a typed rating is read (actions/csat.py)."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.csat import ActionOfferCsat, comment_of, score_of
from tests.support.trackers import says


@pytest.mark.parametrize("text,score", [
    ("5", 5), ("4 stars", 4), ("3/5", 3), ("⭐⭐⭐⭐", 4), ("i'd give you a 2", 2), ("terrible", 1),
    ("not good", 2), ("great thanks", 5), ("le doy un 5", 5), ("4 de 5", 4), ("order 10231", None),
])
def test_a_typed_rating_is_read_from_numbers_stars_and_words(text, score):
    assert score_of(text, []) == score


def test_words_around_the_number_are_the_comment_and_a_button_has_none():
    assert comment_of("4, quick but the label was late") == "quick but the label was late"
    assert comment_of('/rate{"rating":"4"}') is None


async def test_a_frustrated_customer_is_not_asked_to_rate():
    dispatcher = CollectingDispatcher()
    tracker = says("thanks", "thank_you", slots={"escalation": "frustrated"})
    assert await ActionOfferCsat().run(dispatcher, tracker, {}) == [] and dispatcher.messages == []


async def test_a_conversation_already_asked_is_not_asked_again():
    dispatcher = CollectingDispatcher()
    tracker = says("bye", "goodbye", slots={"csat_asked": True})
    assert await ActionOfferCsat().run(dispatcher, tracker, {}) == [] and dispatcher.messages == []
