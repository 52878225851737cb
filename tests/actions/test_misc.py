"""Reviews and the two-stage fallback's custom steps."""
from __future__ import annotations

import logging

from rasa_sdk.executor import CollectingDispatcher

from actions.shared.messages import message_name
from actions.misc import (FALLBACK_HANDOFF_REASON, ActionDefaultAskAffirmation, ActionDefaultAskRephrase,
                          ActionDefaultFallback, ActionRecordReview)
from tests.support.trackers import says


def unsure(text: str, ranking, entities=None):
    tracker = says(text, "nlu_fallback", fixture="new_conversation", as_recorded=True)
    tracker.latest_message["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
    tracker.latest_message["entities"] = entities or []
    return tracker


async def test_did_you_mean_offers_the_two_likeliest_requests_and_something_else():
    tracker = unsure("parcel thing 10231", [("nlu_fallback", 0.6), ("track_order", 0.41),
                                            ("inform", 0.3), ("return_item", 0.2), ("cancel_order", 0.1)],
                     entities=[{"entity": "order_id", "value": "10231"}])
    dispatcher = CollectingDispatcher()
    assert await ActionDefaultAskAffirmation().run(dispatcher, tracker, {}) == []
    [message] = dispatcher.messages
    assert message_name(message) == "utter_ask_affirmation"
    assert [b["title"] for b in message["buttons"]] == ["Track an order", "Return an item", "Something else"]
    assert message["buttons"][0]["payload"] == '/track_order{"order_id":"10231"}'
    assert message["buttons"][2]["payload"] == "/out_of_scope"


async def test_with_no_guess_to_offer_the_customer_is_asked_to_rephrase():
    dispatcher = CollectingDispatcher()
    await ActionDefaultAskAffirmation().run(dispatcher, unsure("hmm", [("nlu_fallback", 0.7), ("greet", 0.2)]), {})
    assert [message_name(m) for m in dispatcher.messages] == ["utter_ask_rephrase"]
    dispatcher = CollectingDispatcher()
    await ActionDefaultAskRephrase().run(dispatcher, unsure("hmm", []), {})
    assert [message_name(m) for m in dispatcher.messages] == ["utter_ask_rephrase"]


async def test_still_not_understood_offers_a_person_with_the_reason_for_the_agent():
    dispatcher = CollectingDispatcher()
    events = await ActionDefaultFallback().run(dispatcher, unsure("blorp", []), {})
    [message] = dispatcher.messages
    assert message_name(message) == "utter_fallback_offer_human"
    assert "/contact_human_agent" in [b["payload"] for b in message["buttons"]]
    assert {"event": "slot", "name": "handoff_reason", "value": FALLBACK_HANDOFF_REASON} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]
    assert events[0]["event"] == "rewind"


async def test_a_review_is_thanked_for_and_recorded_in_log_and_conversation(caplog):
    tracker = says(fixture="new_conversation", as_recorded=True, text="Great service, the backpack is lovely!", intent="review")
    dispatcher = CollectingDispatcher()
    with caplog.at_level(logging.INFO, logger="actions.misc"):
        events = await ActionRecordReview().run(dispatcher, tracker, {})
    assert [message_name(m) for m in dispatcher.messages] == ["utter_review_thanks"]
    assert any("backpack is lovely" in r.getMessage() for r in caplog.records)
    assert events[0]["name"] == "last_review" and "backpack is lovely" in events[0]["value"]
