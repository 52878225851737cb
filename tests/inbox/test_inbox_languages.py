"""Routing by language and agent assist over the inbox's JSON API: agents have
languages (set by a supervisor), handoffs show theirs, the queue and claiming
prefer agents who speak it, and the assist answers in the customer's language."""
from __future__ import annotations

import time

from tests.support.inbox import AGENT, SUPERVISOR, call, hand_off, login, standing_desk_package
from tests.support.languages import german_package, spanish_package


def _agent_with(inbox, supervisor, email, languages):
    status, body = call("POST", f"{inbox.url}/api/agents", {
        "email": email, "password": "harbor-lang-pass", "name": email.split("@")[0].title(),
        "team": "general", "languages": languages}, token=supervisor)
    assert status == 201, body
    assert body["languages"] == languages
    return body, login(inbox, (email, "harbor-lang-pass"))


def test_a_supervisor_sets_the_languages_an_agent_speaks_and_bad_ones_get_a_400(inbox):
    supervisor = login(inbox, SUPERVISOR)
    agent, _ = _agent_with(inbox, supervisor, "marta@harbor.example", ["es", "en"])
    status, body = call("POST", f"{inbox.url}/api/agents/{agent['id']}/languages", {"languages": ["de"]},
                        token=supervisor)
    assert status == 200 and body["languages"] == ["de"]
    for bad in ({"languages": "de"}, {"languages": []}, {"languages": ["klingon"]}, {}):
        status, body = call("POST", f"{inbox.url}/api/agents/{agent['id']}/languages", bad, token=supervisor)
        assert status == 400, bad
    # only supervisors
    status, _ = call("POST", f"{inbox.url}/api/agents/{agent['id']}/languages", {"languages": ["en"]},
                     token=login(inbox, AGENT))
    assert status == 403


def test_a_handoff_shows_its_language_and_an_unknown_one_is_refused(inbox):
    status, created = hand_off(inbox, german_package("+4915100000002"))
    assert status == 201
    agent = login(inbox, AGENT)
    status, detail = call("GET", f"{inbox.url}/api/handoffs/{created['id']}", token=agent)
    assert detail["language"] == "de"
    status, body = hand_off(inbox, {**german_package("+4915100000003"), "language": "xx"})
    assert status == 400 and "language" in body["error"]["message"]


def test_take_next_gives_each_agent_a_conversation_in_a_language_they_speak_first(inbox):
    supervisor = login(inbox, SUPERVISOR)
    _, greta = _agent_with(inbox, supervisor, "greta@harbor.example", ["de"])
    now = time.time()
    english = standing_desk_package("+14155550177", "whatsapp", now=now - 600)  # older, high priority
    status, created = hand_off(inbox, english)
    english_id = created["id"]
    status, german = hand_off(inbox, german_package("+4915100000004", now=now))
    assert status == 201
    status, taken = call("POST", f"{inbox.url}/api/handoffs/next", {}, token=greta)
    # a German conversation (the oldest waiting one), not the older English one
    assert status == 200 and taken["language"] == "de" and taken["claimed_by"]["name"] == "Greta"
    assert taken["id"] != english_id
    # the English-speaking demo agent sees the English one first, and gets it next
    alex = login(inbox, AGENT)
    status, listed = call("GET", f"{inbox.url}/api/handoffs?status=waiting", token=alex)
    assert listed["handoffs"][0]["language"] == "en"


def test_an_agent_who_does_not_speak_the_language_is_pointed_to_a_colleague_who_does(inbox):
    supervisor = login(inbox, SUPERVISOR)
    _agent_with(inbox, supervisor, "jonas@harbor.example", ["de", "en"])
    status, german = hand_off(inbox, german_package("+4915100000005"))
    alex = login(inbox, AGENT)  # speaks English and Spanish
    status, body = call("POST", f"{inbox.url}/api/handoffs/{german['id']}/claim", {}, token=alex)
    assert status == 409 and body["error"]["code"] == "language_mismatch" and "Jonas" in body["error"]["message"]
    status, body = call("POST", f"{inbox.url}/api/handoffs/{german['id']}/claim", {"anyway": True}, token=alex)
    assert status == 200 and body["claimed_by"]["email"] == AGENT[0]


def test_assist_gives_spanish_passages_and_a_spanish_reply_built_from_the_facts(inbox):
    status, created = hand_off(inbox, spanish_package("+34600111333"))
    assert status == 201
    status, assist = call("GET", f"{inbox.url}/api/handoffs/{created['id']}/assist", token=login(inbox, AGENT))
    assert status == 200
    assert assist["language"] == "es" and assist["question"] == "y el envío a partir de cuánto es gratis?"
    assert len(assist["passages"]) == 3 and assist["passages"][0]["id"] == "delivery.standard"
    reply = assist["suggested_reply"]
    assert reply.startswith("Hola, Lucía:")
    assert "gratis en pedidos de más de $50" in reply  # the passage's own words and numbers
    assert "10231" in reply and "1Z999AA10123456784" in reply  # the order in the context package
    assert assist["facts_used"] == ["order 10231", "passage delivery.standard"]


def test_assist_for_a_german_customer_frames_the_english_passage_in_german(inbox):
    status, created = hand_off(inbox, {**german_package("+4915100000006"), "transcript": [
        {"role": "customer", "text": "how much is express shipping", "timestamp": time.time()}]})
    status, assist = call("GET", f"{inbox.url}/api/handoffs/{created['id']}/assist", token=login(inbox, SUPERVISOR))
    assert status == 200 and assist["suggested_reply"].startswith("Hallo,")
    assert "$12.95" in assist["suggested_reply"] and "Kann ich Ihnen sonst noch helfen?" in assist["suggested_reply"]
