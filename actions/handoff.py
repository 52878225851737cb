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
    "en": {"wait": "about {} minutes", "a_few_minutes": "a few minutes"},
    "es": {"wait": "unos {} minutos", "a_few_minutes": "unos minutos"},
}
WORDS = {code: {**WORDS["en"], **words} for code, words in WORDS.items()}


def answer_to(channel: Optional[str], email: Optional[str]) -> Json:
    """Where a ticket is answered and why a person cannot take over now.

    A channel that can push (WhatsApp, Messenger, Twilio, callback) gets the
    answer in the chat when the team is back; REST cannot receive a later
    message, so the answer goes by email: the account's (verified) email, or
    the one the customer gives next (the inbox reads it from their reply)."""
    why = "outside_hours" if not agents_available() else "channel_cannot_push"
    if channel not in CANNOT_PUSH:
        return {"via": "channel", "channel": channel, "email": email, "why": "outside_hours"}
    return {"via": "email", "channel": channel or "rest", "email": email, "why": why,
            "email_asked": not email}


def ticket_message(where: Json) -> str:
    if where["via"] == "channel":
        return "utter_handoff_ticket_here"
    closed = where["why"] == "outside_hours"
    if where.get("email"):
        return "utter_handoff_ticket" if closed else "utter_handoff_ticket_no_push"
    return "utter_handoff_ticket_closed_ask_email" if closed else "utter_handoff_ticket_no_push_ask_email"


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
        if not live:  # the agent must know where to answer, and the customer why not here
            package["context"]["answer_to"] = answer_to(channel, (customer or {}).get("email"))
        if tracker.get_slot("approval_request"):  # a person approves it (services/inbox/approvals.py)
            package["approval"] = tracker.get_slot("approval_request")
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
            utter(dispatcher, ticket_message(package["context"]["answer_to"]), team=team,
                  email=package["context"]["answer_to"].get("email") or "")
        logger.info("handed off %s to %s (%s, %s): %s", tracker.sender_id, package["queue"],
                    package["status"], package["priority"], package["reason"])
        return [SlotSet("handoff_reason", None), SlotSet("approval_request", None),
                SlotSet("handoff_id", str(created.get("id", ""))), ConversationPaused()]
