"""Conversation ids and message limits for the channels anyone can call.

WhatsApp and Messenger conversations are keyed by the provider's id (a phone
number, a page-scoped id), which only a signature-verified webhook can name.
The REST and callback channels take the sender from the caller, so their
conversation ids live in a namespace of their own ("rest:<sender>",
"callback:<sender>"): whatever a caller sends, it can never name, continue or
read a WhatsApp or Messenger conversation.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128


def max_message_chars() -> int:
    """Longest customer message read (WhatsApp's own limit by default)."""
    try:
        return int(os.environ.get("MAX_MESSAGE_CHARS") or 4096)
    except ValueError:
        return 4096


TOO_LONG = ("That message is too long for me to read (over {limit:,} characters). "
            "Could you send the main question in a shorter message?")


def namespaced(channel: str, sender: str) -> str:
    return f"{channel}:{sender}"


def addressed(channel: str, message: Dict[str, Any]) -> Dict[str, Any]:
    """A reply addressed to the sender id the caller used, without our namespace."""
    recipient = str(message.get("recipient_id", ""))
    return {**message, "recipient_id": recipient.removeprefix(f"{channel}:")}


def sender_problem(sender: Any) -> Optional[str]:
    """Why `sender` cannot name a conversation, or None."""
    if not isinstance(sender, str) or not sender.strip():
        return "'sender' is required: a non-empty string naming the conversation"
    if len(sender) > MAX_SENDER_CHARS:
        return f"'sender' is longer than {MAX_SENDER_CHARS} characters"
    return None
