"""Rendering Rasa buttons within provider limits and mapping replies back.

Providers give the bot back only an id (WhatsApp, Messenger) or plain text
(Twilio, long lists): the customer's choice must come back to Rasa as the
payload the bot sent, e.g. `/track_order{"order_id":"H1001"}`.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from addons.channels.state import ChannelState

LONG_PAYLOAD_PREFIX = "harbor:"
CHOICES_MAX_AGE_SECONDS = 24 * 3600


def fit(text: str, limit: int) -> str:
    """Truncates to `limit` characters, marking the cut with an ellipsis."""
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chunks(text: str, limit: int) -> List[str]:
    """Splits long text at paragraph, line or word boundaries (never mid-word if avoidable)."""
    text = (text or "").strip()
    parts: List[str] = []
    while len(text) > limit:
        cut = max(text.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return parts + [text] if text else parts


def button_payload(button: Dict[str, Any]) -> str:
    return str(button.get("payload") or button.get("title") or "")


async def button_id(state: ChannelState, button: Dict[str, Any], limit: int) -> str:
    """The payload itself when it fits the provider's id limit, else a stored key."""
    payload = button_payload(button)
    if len(payload) <= limit and not payload.startswith(LONG_PAYLOAD_PREFIX):
        return payload
    return await state.payload_key(payload)


async def unique_button_ids(state: ChannelState, buttons: List[Dict[str, Any]],
                            limit: int) -> List[str]:
    """Like button_id, but WhatsApp rejects repeated ids within one message, so a
    repeated payload gets its own stored key (that still maps to the payload)."""
    ids: List[str] = []
    for i, button in enumerate(buttons):
        candidate = await button_id(state, button, limit)
        if candidate in ids:
            candidate = await state.payload_key(button_payload(button), salt=str(i))
        ids.append(candidate)
    return ids


async def payload_for_id(state: ChannelState, reply_id: str) -> str:
    if reply_id.startswith(LONG_PAYLOAD_PREFIX):
        stored = await state.payload_for(reply_id)
        if stored is not None:
            return stored
    return reply_id


def intent_payload(name: str, entities: Dict[str, Any]) -> str:
    """Rasa's `/intent{"entity": value}` syntax: non-text input skips the NLU model."""
    return f"/{name}{json.dumps(entities, separators=(',', ':'))}"


def numbered_text(text: str, buttons: List[Dict[str, Any]]) -> str:
    lines = [f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons, start=1)]
    return f"{text}\n\n" + "\n".join(lines) + "\n\nReply with a number."


async def offer(state: ChannelState, customer_id: str,
                buttons: List[Dict[str, Any]]) -> None:
    await state.offer_choices(customer_id, [
        {"title": str(b.get("title", "")), "payload": button_payload(b)} for b in buttons])


async def resolve_reply(state: ChannelState, customer_id: str, text: str) -> Optional[str]:
    """The payload of the choice `text` names (its number or title), if any.

    The offered choices apply to this one reply only, so they are consumed.
    """
    offered = await state.take_choices(customer_id, CHOICES_MAX_AGE_SECONDS)
    answer = (text or "").strip().rstrip(".").casefold()
    if not offered or not answer:
        return None
    if answer.isdigit() and 1 <= int(answer) <= len(offered):
        return offered[int(answer) - 1]["payload"]
    for choice in offered:
        if choice["title"].strip().casefold() == answer:
            return choice["payload"]
    return None
