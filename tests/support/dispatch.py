"""Reading what an action sent (a dispatcher, or its list of messages)."""
from __future__ import annotations

from typing import Any, Dict, List, Union

from rasa_sdk.executor import CollectingDispatcher

from actions.shared.messages import message_name

Sent = Union[CollectingDispatcher, List[Dict[str, Any]]]


def messages_of(sent: Sent) -> List[Dict[str, Any]]:
    return sent.messages if isinstance(sent, CollectingDispatcher) else sent


def names(sent: Sent) -> List[str]:
    """The message names sent, in order (e.g. ["utter_order_shipped"])."""
    return [message_name(m) for m in messages_of(sent)]


def text_of(sent: Sent) -> str:
    """Everything the customer would read, one message per line."""
    return "\n".join(m.get("text") or "" for m in messages_of(sent))


def payloads(sent: Sent) -> List[str]:
    """The payloads of every button offered, in order."""
    return [b["payload"] for m in messages_of(sent) for b in (m.get("buttons") or [])]


def buttons(sent: Sent) -> Dict[str, str]:
    """The buttons offered, title -> payload."""
    return {b["title"]: b["payload"] for m in messages_of(sent) for b in (m.get("buttons") or [])}
