"""Customers who write in another language, end to end: REST channel -> Rasa
(language detection, Spanish NLU) -> action server (Spanish texts, Spanish
passages) -> demo CRM, and handoffs that reach an agent who speaks the language."""
from __future__ import annotations

import pytest

from tests.support.dispatch import text_of
from tests.support.inbox import SUPERVISOR, call, login
from tests.support.procs import wait_for
from tests.support.stack import new_sender, say

TRACKING_NUMBER = "1Z999AA10123456784"


def test_a_spanish_customer_tracks_an_order_in_spanish_from_greeting_to_delivery_estimate(rasa):
    sender = new_sender("e2e-es")
    asked = text_of(say(rasa, sender, "hola, dónde está mi pedido 10231?"))
    assert "correo" in asked.lower() and TRACKING_NUMBER not in asked
    answer = text_of(say(rasa, sender, "maya.patel@example.com"))
    assert TRACKING_NUMBER in answer and "Entrega estimada" in answer and "UPS" in answer
    assert " de " in answer.split("Entrega estimada:")[1]  # a Spanish date ("domingo 6 de diciembre")
    assert "Estimated delivery" not in answer
    assert "de nada" in text_of(say(rasa, sender, "muchas gracias")).lower()


def test_a_spanish_greeting_is_answered_in_spanish(rasa):
    assert "Hola" in text_of(say(rasa, new_sender("e2e-es"), "hola buenas"))


def test_a_spanish_refund_status_is_told_in_spanish(rasa):
    sender = new_sender("e2e-es")
    asked = text_of(say(rasa, sender, "quiero saber dónde está mi reembolso del pedido 10237"))
    assert "correo" in asked.lower()
    answer = text_of(say(rasa, sender, "sofia.rossi@example.com"))
    assert "R-5001" in answer and "se está procesando" in answer


def test_a_spanish_return_is_started_in_spanish(rasa):
    sender = new_sender("e2e-es")
    asked = text_of(say(rasa, sender, "quiero devolver mi pedido 10232"))
    assert "correo" in asked.lower()
    assert "Returns" not in asked and "email" not in asked.lower()


def test_a_spanish_policy_question_is_answered_from_the_spanish_passages(rasa):
    answer = text_of(say(rasa, new_sender("e2e-es"), "cuántos días tengo para devolver un producto?"))
    assert "30 días" in answer


@pytest.mark.parametrize("text, words", [
    ("Bonjour, je veux retourner ma commande 10239", "parle français"),
    ("quero cancelar meu pedido 10234", "fala português"),
    ("voglio parlare con una persona", "parla italiano"),
])
def test_french_portuguese_and_italian_get_a_person_who_speaks_it_never_the_english_fallback(
        rasa, inbox, text, words):
    sender = new_sender("e2e-lang")
    reply = text_of(say(rasa, sender, text))
    assert words in reply and "not sure I understood" not in reply
    supervisor = login(inbox, SUPERVISOR)
    handoff = wait_for(lambda: _handoff_of(inbox, supervisor, sender), timeout=30, what="the handoff")
    assert handoff["language"] in ("fr", "pt", "it")


def test_a_german_request_for_a_person_reaches_an_agent_who_speaks_german(rasa, inbox):
    sender = new_sender("e2e-de")
    reply = text_of(say(rasa, sender, "Ich möchte mit einem Menschen sprechen"))
    assert "Deutsch" in reply
    supervisor = login(inbox, SUPERVISOR)
    handoff = wait_for(lambda: _handoff_of(inbox, supervisor, sender), timeout=30, what="the handoff")
    assert handoff["language"] == "de" and "German" in handoff["reason"] and handoff["queue"] == "general"

    # a supervisor says who speaks German; an English-only agent is pointed to her
    lena = _agent(inbox, supervisor, "lena.e2e@harbor.example", ["de"])
    english_only = _agent(inbox, supervisor, "owen.e2e@harbor.example", ["en"])
    status, body = call("POST", f"{inbox.url}/api/handoffs/{handoff['id']}/claim", {}, token=english_only)
    assert status == 409 and body["error"]["code"] == "language_mismatch" and "Lena" in body["error"]["message"]

    # Lena, who speaks German, takes next: the German conversation
    status, taken = call("POST", f"{inbox.url}/api/handoffs/next", {}, token=lena)
    assert status == 200 and taken["id"] == handoff["id"] and taken["language"] == "de"
    status, detail = call("GET", f"{inbox.url}/api/handoffs/{handoff['id']}", token=lena)
    assert detail["context"]["language"] == "de"


def _handoff_of(inbox, token, sender):
    status, body = call("GET", f"{inbox.url}/api/handoffs?status=waiting,assigned,ticket", token=token)
    # REST sender ids are namespaced by channel ("rest:<sender>")
    return next((h for h in body["handoffs"] if h["sender_id"].endswith(sender)), None) if status == 200 else None


def _agent(inbox, supervisor, email, languages):
    """Creates an agent with these languages (or sets them) and logs them in."""
    status, body = call("POST", f"{inbox.url}/api/agents", {
        "email": email, "password": "harbor-e2e-pass", "name": email.split(".")[0].title(),
        "team": "general"}, token=supervisor)
    if status == 409:
        agents = call("GET", f"{inbox.url}/api/agents", token=supervisor)[1]["agents"]
        body = next(a for a in agents if a["email"] == email)
    status, body = call("POST", f"{inbox.url}/api/agents/{body['id']}/languages", {"languages": languages},
                        token=supervisor)
    assert status == 200 and body["languages"] == languages
    return login(inbox, (email, "harbor-e2e-pass"))


def test_a_spanish_return_past_its_window_is_explained_in_spanish(rasa):
    sender = new_sender("e2e-es")
    say(rasa, sender, "hola, quiero devolver mi pedido 10233")
    answer = text_of(say(rasa, sender, "maya.patel@example.com"))  # delivered 45 days ago
    assert "30 días" in answer and "plazo de devolución" in answer
    assert "return window" not in answer and "Talk to a person" not in answer
