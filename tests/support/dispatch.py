"""Reading what an action sent, for action tests."""
from __future__ import annotations

from typing import List

from rasa_sdk.executor import CollectingDispatcher

from actions.messages import message_name


def names(dispatcher: CollectingDispatcher) -> List[str]:
    """The message names sent, in order (e.g. ["utter_order_shipped"])."""
    return [message_name(m) for m in dispatcher.messages]


def said(dispatcher: CollectingDispatcher) -> str:
    """Everything the customer would read, one message per line."""
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def payloads(dispatcher: CollectingDispatcher) -> List[str]:
    """The payloads of every button offered."""
    return [b["payload"] for m in dispatcher.messages for b in (m.get("buttons") or [])]
