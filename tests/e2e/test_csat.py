"""Satisfaction end to end: asked once after a flow the bot completed and after
an agent closes a handoff, recorded in the conversation, counted by the
supervisors' analytics (bot vs people, by flow and by queue)."""
from __future__ import annotations

import json
import uuid
from typing import List

from tests.support.callback import callback_texts, customer_says, handoff_of, tap, wait_for_reply
from tests.support.channels import request, wait_for
from tests.support.dispatch import payloads, text_of
from tests.support.inbox import SUPERVISOR, call, login
from tests.support.stack import RASA_TOKEN, new_sender, say


def _csat(inbox):
    _, report = call("GET", f"{inbox.url}/api/analytics?days=1", token=login(inbox, SUPERVISOR))
    return report["csat"]


def test_after_a_completed_flow_the_thanks_gets_one_rating_question_and_the_rating_counts(rasa, inbox):
    before = _csat(inbox)["bot"]["count"]
    sender = new_sender("e2e-csat")
    say(rasa, sender, "where is my order 10231?")
    assert "1Z999AA10123456784" in text_of(say(rasa, sender, "maya.patel@example.com"))
    thanks = say(rasa, sender, "thanks!")
    assert "how would you rate my help" in text_of(thanks)
    assert '/rate{"rating":"5"}' in payloads(thanks)
    assert "Thank you" in text_of(say(rasa, sender, "4, quick but I had to find the email"))
    assert "how would you rate" not in text_of(say(rasa, sender, "thank you so much"))  # never twice
    csat = wait_for(lambda: (lambda c: c if c["bot"]["count"] > before else None)(_csat(inbox)),
                    timeout=20, what="the rating in analytics")
    tracking = next(f for f in csat["by_flow"] if f["flow"] == "track_order_form")
    assert tracking["count"] >= 1 and csat["bot"]["distribution"]["4"] >= 1
    assert any("find the email" in c["comment"] for c in csat["recent_comments"])


def test_a_thanks_without_a_completed_flow_is_not_asked_to_rate(rasa):
    sender = new_sender("e2e-csat")
    say(rasa, sender, "hi")
    assert "rate" not in text_of(say(rasa, sender, "thanks")).lower()


def test_after_an_agent_closes_the_handoff_the_customer_rates_the_person_and_it_counts_by_queue(
        rasa, inbox, fake_meta):
    sender = f"csat-{uuid.uuid4().hex[:6]}"
    customer_says(rasa, sender, "I want to talk to a human")
    wait_for_reply(fake_meta, sender, 0, "won't need to repeat")
    agent = login(inbox)
    handoff = wait_for(lambda: handoff_of(inbox, agent, sender), timeout=30, what="the handoff")
    supervisor = login(inbox, SUPERVISOR)
    assert call("POST", f"{inbox.url}/api/handoffs/{handoff['id']}/claim", {}, token=supervisor)[0] == 200
    seen = len(callback_texts(fake_meta, sender))
    status, _ = call("POST", f"{inbox.url}/api/handoffs/{handoff['id']}/close", {"resolution": "resolved"},
                     token=supervisor)
    assert status == 200
    wait_for_reply(fake_meta, sender, seen, "how would you rate my help")
    before = _csat(inbox)["human"]["count"]
    tap(fake_meta, rasa, sender, "5 Great")
    wait_for_reply(fake_meta, sender, seen, "Glad I could help")
    csat = wait_for(lambda: (lambda c: c if c["human"]["count"] > before else None)(_csat(inbox)),
                    timeout=20, what="the human rating in analytics")
    assert csat["human"]["distribution"]["5"] >= 1
    assert any(q["queue"] == handoff["queue"] for q in csat["by_queue"])


def test_a_bare_number_answers_the_rating_question_and_is_counted(rasa, inbox):
    # "5" alone is not taught as a rating (it also answers "how many months?"):
    # addons/nlu/bare_rating.py reads it as `rate` whatever the classifier guessed
    before = _csat(inbox)["bot"]["distribution"]["2"]
    sender = new_sender("e2e-csat")
    say(rasa, sender, "where is my order 10231?")
    say(rasa, sender, "maya.patel@example.com")
    assert "how would you rate" in text_of(say(rasa, sender, "thank you"))
    answer = text_of(say(rasa, sender, "2"))
    assert "passed it on" in answer and "didn't get that" not in answer and "Did you mean" not in answer
    wait_for(lambda: _csat(inbox)["bot"]["distribution"]["2"] > before, timeout=20, what="the rating counted")


def test_after_a_bare_rating_the_turn_ends_and_the_next_message_is_answered(rasa):
    """A bare rating is answered and ends the turn (at most one fallback action,
    never Rasa's ten-action circuit breaker; seen when the fallback read it),
    and the customer's goodbye that follows is answered, not dropped (seen
    when the classifier took "5" for `inform`)."""
    sender = new_sender("e2e-csat")
    say(rasa, sender, "where is my order 10231?")
    say(rasa, sender, "maya.patel@example.com")
    assert "how would you rate" in text_of(say(rasa, sender, "thanks"))
    assert "Glad I could help" in text_of(say(rasa, sender, "5"))
    assert text_of(say(rasa, sender, "bye"))
    events = request("GET", f"{rasa.url}/conversations/rest:{sender}/tracker?token={RASA_TOKEN}").json()["events"]
    turns: List[List[str]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([event["text"]])
        elif event["event"] == "action" and turns:
            turns[-1].append(event["name"])
    rating_turn = next(turn for turn in turns if turn[0] == "5")
    assert rating_turn.count("action_default_fallback") <= 1, rating_turn
    assert rating_turn[-1] == "action_listen", rating_turn


def test_a_bare_rating_is_read_as_rate_whatever_the_classifier_guessed(rasa):
    def parsed(text):
        return request("POST", f"{rasa.url}/model/parse?token={RASA_TOKEN}",
                       json.dumps({"text": text}).encode(), {"Content-Type": "application/json"}).json()

    for text in ("5", "2", "4/5", "5 stars", "⭐⭐⭐"):
        assert parsed(text)["intent"]["name"] == "rate", text
    for text in ("10231", "3 months", "5 items are missing"):
        assert parsed(text)["intent"]["name"] != "rate", text
