"""Handing the conversation to a person.

action_handoff sends the context package to the handoff target (the agent
inbox by default), pauses the conversation so the bot stays quiet while a
person works it, and tells the customer what happens next. Outside support
hours the handoff is a ticket: same context, answered by email within one
business day. Why it happened is in the `handoff_reason` slot (set by the
flow or the rule that asked for a person).
"""
from __future__ import annotations

import logging
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.shared import language
from actions.shared.asking import answer_in_passing, first_words_this_turn
from actions.shared.messages import utter
from actions.clients.base import BackendError, Json, NotFound
from actions.clients.handoff_target import HandoffUnavailable, get_handoff_target
from actions.handoff_context import TEAM_NAMES, build_package, fresh_reason
from actions.support_hours import agents_available
from actions.shared.common import verified_customer

logger = logging.getLogger(__name__)

# The synchronous REST channel answers only within its own HTTP request, so an
# agent's later reply could never reach that customer: a ticket answered by email.
CANNOT_PUSH = {"rest", None}


async def _facts(tracker: Tracker) -> tuple[Optional[Json], Optional[Json]]:
    """The verified customer and their order, best effort: a handoff must not
    fail because the CRM is down (that may be why we hand off)."""
    customer = order = None
    customer_id = verified_customer(tracker)
    try:
        if customer_id:
            customer = await clients.crm().get_customer(customer_id)
        order_id = tracker.get_slot("order_id")
        if customer_id and order_id:
            found = await clients.crm().get_order(order_id)
            order = found if found.get("customer_id") == customer_id else None
    except (BackendError, NotFound) as error:
        logger.warning("handoff without CRM facts for %s: %s", tracker.sender_id, error)
    return customer, order


# The values the handoff messages are filled with, in the languages with a
# handoff message (actions/messages/<language>/handoff.yml).
WORDS = {
    "en": {"wait": "about {} minutes", "a_few_minutes": "a few minutes", "account_email": "the email on your account"},
    "es": {"wait": "unos {} minutos", "a_few_minutes": "unos minutos", "account_email": "el correo de tu cuenta"},
    "fr": {"account_email": "l'adresse de votre compte"},
    "de": {"account_email": "die E-Mail-Adresse Ihres Kontos"},
    "pt": {"account_email": "o e-mail da sua conta"},
    "it": {"account_email": "l'indirizzo e-mail del suo account"},
}
WORDS = {code: {**WORDS["en"], **words} for code, words in WORDS.items()}


class ActionHandoff(NamedAction, action="action_handoff"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if first_words_this_turn(tracker):  # "who handles complaints?": the rule, then a person
            answer_in_passing(dispatcher, tracker)
        channel = tracker.get_latest_input_channel()
        live = agents_available() and channel not in CANNOT_PUSH
        customer, order = await _facts(tracker)
        package = build_package(tracker, fresh_reason(tracker), customer, order,
                                status="waiting" if live else "ticket")
        try:
            created = await get_handoff_target().create(package)
        except HandoffUnavailable as error:
            logger.error("handoff failed for %s: %s", tracker.sender_id, error)
            utter(dispatcher, "utter_handoff_unavailable")
            return [SlotSet("handoff_reason", None)]
        team = TEAM_NAMES.get(package["queue"], "customer support")
        words = WORDS.get(language.current.get(), WORDS["en"])
        if live:
            wait = created.get("expected_wait_minutes")
            utter(dispatcher, "utter_handoff_live", team=team,
                  wait=words["wait"].format(wait) if wait else words["a_few_minutes"])
        else:
            utter(dispatcher, "utter_handoff_ticket", team=team,
                  email=(customer or {}).get("email") or words["account_email"])
        logger.info("handed off %s to %s (%s, %s): %s", tracker.sender_id, package["queue"],
                    package["status"], package["priority"], package["reason"])
        return [SlotSet("handoff_reason", None), SlotSet("handoff_id", str(created.get("id", ""))),
                ConversationPaused()]
