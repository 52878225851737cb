"""Realistic conversations written the way Rasa writes them: Rasa's event
classes, saved by Rasa's SQLTrackerStore, which publishes every new event to
Rasa's SQLEventBroker (tracker store `events` table + broker `events` table).
"""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from tests.support.procs import ROOT

_domain = None


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds")


def project_domain():
    """The project's own domain (its slots), loaded once."""
    global _domain
    if _domain is None:
        from rasa.shared.core.domain import Domain

        _domain = Domain.load(str(ROOT / "domain"))
    return _domain


class Conversation:
    """Builds one sender's events with increasing timestamps from `start`."""

    def __init__(self, sender_id: str, start: float, channel: str = "rest") -> None:
        self.sender_id, self.t, self.channel = sender_id, start, channel
        self.events: List[Any] = []

    def _ts(self, step: float = 2.0) -> float:
        self.t += step
        return self.t

    def session(self) -> "Conversation":
        from rasa.shared.core.events import ActionExecuted, SessionStarted

        self.events += [ActionExecuted("action_session_start", timestamp=self._ts(0.01)),
                        SessionStarted(timestamp=self._ts(0.01)),
                        ActionExecuted("action_listen", timestamp=self._ts(0.01))]
        return self

    def user(self, text: str, intent: str, confidence: float, compound: float = 0.0,
             frustrated: bool = False, metadata: Optional[Dict[str, Any]] = None) -> "Conversation":
        from rasa.shared.core.events import UserUttered

        label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        parse = {"intent": {"name": intent, "confidence": confidence},
                 "entities": [], "text": text,
                 "intent_ranking": [{"name": intent, "confidence": confidence}],
                 "sentiment": {"compound": compound, "label": label, "frustrated": frustrated,
                               "signals": ["repeated_contact"] if frustrated else []}}
        self.events.append(UserUttered(text, parse["intent"], [], parse, timestamp=self._ts(),
                                       input_channel=self.channel, message_id=uuid.uuid4().hex,
                                       metadata=metadata or {}))
        return self

    def external(self, intent: str) -> "Conversation":
        from rasa.shared.core.events import UserUttered

        event = UserUttered.create_external(intent, input_channel=self.channel)
        event.timestamp = self._ts()
        self.events.append(event)
        return self

    def action(self, name: str) -> "Conversation":
        from rasa.shared.core.events import ActionExecuted

        self.events.append(ActionExecuted(name, timestamp=self._ts(0.1)))
        return self

    def bot(self, text: str, utter_action: Optional[str] = None,
            agent: Optional[Dict[str, Any]] = None, **trace: Any) -> "Conversation":
        """A bot message; `trace`: more metadata, as actions add it (passage_ids, knowledge_gap)."""
        from rasa.shared.core.events import BotUttered

        metadata: Dict[str, Any] = dict(trace)
        if utter_action:
            metadata["utter_action"] = utter_action
        if agent:
            metadata["agent"] = agent
        self.events.append(BotUttered(text, metadata=metadata, timestamp=self._ts(0.1)))
        return self

    def slot(self, name: str, value: Any) -> "Conversation":
        from rasa.shared.core.events import SlotSet

        self.events.append(SlotSet(name, value, timestamp=self._ts(0.01)))
        return self

    def loop(self, name: Optional[str]) -> "Conversation":
        from rasa.shared.core.events import ActiveLoop

        self.events.append(ActiveLoop(name, timestamp=self._ts(0.01)))
        return self

    def pause(self) -> "Conversation":
        from rasa.shared.core.events import ConversationPaused

        self.events.append(ConversationPaused(timestamp=self._ts(0.01)))
        return self

    def resume(self) -> "Conversation":
        from rasa.shared.core.events import ConversationResumed

        self.events.append(ConversationResumed(timestamp=self._ts(0.01)))
        return self


async def save_with_rasa(conversations: List[Conversation], tracker_db: Path, broker_db: Path) -> None:
    """Saves each conversation with SQLTrackerStore(event_broker=SQLEventBroker)."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = project_domain()
    broker = SQLEventBroker(db=str(broker_db))
    store = SQLTrackerStore(domain=domain, db=str(tracker_db), event_broker=broker)
    try:
        for conversation in conversations:
            tracker = DialogueStateTracker.from_events(conversation.sender_id, conversation.events,
                                                       slots=domain.slots)
            await store.save(tracker)
    finally:
        store.engine.dispose()
        broker.engine.dispose()


def contained_order_tracking(sender_id: str, start: float) -> Conversation:
    """Where is my order → email → answer → thanks: no person needed."""
    return (Conversation(sender_id, start).session()
            .user("where is my order 10231?", "track_order", 0.95, 0.0)
            .action("order_tracking_form").loop("order_tracking_form")
            .slot("order_id", "10231").slot("requested_slot", "customer_email")
            .bot("What's the email on the order?", "utter_ask_customer_email")
            .action("action_listen")
            .user("maya.patel@example.com", "inform", 0.91, 0.0)
            .action("order_tracking_form").slot("customer_email", "maya.patel@example.com")
            .slot("customer_id", "C1001").slot("customer_verified", True)
            .slot("requested_slot", None).loop(None)
            .action("action_track_order")
            .bot("Order 10231 shipped with UPS and arrives Tuesday.", "utter_order_status")
            .action("action_listen")
            .user("great, thanks!", "thank_you", 0.98, 0.8)
            .action("utter_you_are_welcome").bot("You're welcome!", "utter_you_are_welcome")
            .action("action_listen"))


def handed_off_return(sender_id: str, start: float) -> Conversation:
    """Gibberish (NLU fallback), a return the billing backend fails, an angry
    customer, a live handoff, a message while paused, an agent reply, handback."""
    return (Conversation(sender_id, start, channel="callback").session()
            .user("blorp glorp??", "nlu_fallback", 0.6, 0.0)
            .action("action_default_fallback")
            .bot("Sorry, I didn't get that. Could you rephrase?", "utter_default")
            .action("action_listen")
            .user("I want to return my standing desk, order 10239", "return_item", 0.96, 0.1)
            .action("return_form").loop("return_form").slot("order_id", "10239")
            .slot("requested_slot", "return_items")
            .bot("Which item do you want to return?", "utter_ask_return_items")
            .action("action_listen")
            .user("THIS IS THE THIRD TIME I ASK!!!", "complaint", 0.88, -0.72, frustrated=True)
            .action("action_deactivate_loop").loop(None).slot("requested_slot", None)
            .action("action_quote_return")
            .bot("Our billing system isn't answering right now.", "utter_backend_down")
            .slot("backend_errors", [{"system": "billing", "while": "quoting a return",
                                      "error": "timeout", "at": _iso(start + 20)}])
            .slot("handoff_reason", "refund_needs_approval")
            .action("action_handoff")
            .bot("I'm handing you to our returns team; about 3 minutes.", "utter_handoff_live")
            .slot("handoff_reason", None).slot("handoff_id", "1").pause()
            .action("action_listen")
            .user("hello?? anyone there", "greet", 0.7, 0.0)
            .bot("Hi, I'm Alex from returns. Let me look at this.",
                 agent={"id": 1, "name": "Alex"})
            .resume().external("EXTERNAL_handback")
            .action("utter_handback").bot("I'm back. Anything else?", "utter_handback")
            .action("action_listen"))
