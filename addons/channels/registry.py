"""Output channels by input channel name, for the agent inbox (stable API).

The inbox sends agent replies through the channel a conversation came from
and has no credentials.yml, so everything here is configured from the
environment. API:

- `output_channel_for(input_channel)` -> OutputChannel or None ("rest" cannot push)
- `await window_status(input_channel, recipient_id)` ->
  {"open": bool, "closes_at": iso | None, "fallback": "template" | "human_agent_tag" | None}
- `await send_agent_text(input_channel, recipient_id, text)` ->
  {"sent": bool, "error": str | None, "message_id": str | None, "fallback": ...}
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional

from rasa.core.channels.channel import OutputChannel
from rasa.utils.endpoints import EndpointConfig

from addons.channels.callback import CHANNEL as CALLBACK, CallbackOutput
from addons.channels.conversations import addressed
from addons.channels.http import SendResult, post
from addons.channels.messenger import MessengerConfig, MessengerOutput
from addons.channels.twilio_whatsapp import TwilioConfig, TwilioWhatsAppOutput
from addons.channels.whatsapp import WhatsAppConfig, WhatsAppOutput

logger = logging.getLogger(__name__)

ALWAYS_OPEN = {"open": True, "closes_at": None, "fallback": None}
CANNOT_PUSH = ("rest",)


def output_channel_for(input_channel: str, as_human_agent: bool = False
                       ) -> Optional[OutputChannel]:
    """A fresh output channel configured from the environment, or None."""
    if input_channel == "whatsapp":
        return WhatsAppOutput(WhatsAppConfig.load())
    if input_channel == "twilio_whatsapp":
        return TwilioWhatsAppOutput(TwilioConfig.load())
    if input_channel == "messenger":
        return MessengerOutput(MessengerConfig.load(), as_human_agent=as_human_agent)
    if input_channel == "callback":
        url = os.environ.get("CALLBACK_URL") or "http://localhost:5034/bot"
        return ReportingCallbackOutput(EndpointConfig(url=url))
    if input_channel not in CANNOT_PUSH:
        logger.warning("no output channel for input channel %r", input_channel)
    return None


class ReportingCallbackOutput(CallbackOutput):
    """Rasa's CallbackOutput (same JSON body) whose send methods report failure:
    Rasa's only logs it, and the inbox must tell the agent."""

    last_result: Optional[Dict[str, Any]] = None

    async def _persist_message(self, message: Dict[str, Any]) -> None:
        message = addressed(CALLBACK, message)
        self.messages.append(message)
        result = await post(self.callback_endpoint.url, json=message,
                            what=f"callback to {message.get('recipient_id')}")
        if self.last_result is None or self.last_result["sent"]:  # keep first failure
            self.last_result = result.as_dict()

    async def send_text_message(self, recipient_id: str, text: str,
                                **kwargs: Any) -> Dict[str, Any]:
        self.last_result = None
        await super().send_text_message(recipient_id, text, **kwargs)
        return self.last_result or SendResult(sent=False, error="empty text").as_dict()


async def window_status(input_channel: str, recipient_id: str) -> Dict[str, Any]:
    """Whether a free-form message can reach the customer now (channels without a
    window are always open; "rest" is reported closed: it cannot push at all)."""
    channel = output_channel_for(input_channel)
    if channel is None:
        return {"open": False, "closes_at": None, "fallback": None}
    checker = getattr(channel, "window_status", None)
    return await checker(recipient_id) if checker else dict(ALWAYS_OPEN)


async def send_agent_text(input_channel: str, recipient_id: str, text: str
                          ) -> Dict[str, Any]:
    """Sends a human agent's reply; never raises. `sent` is False if the text
    did not reach the customer (a template sent instead shows as fallback)."""
    channel = output_channel_for(input_channel, as_human_agent=True)
    if channel is None:
        return {"sent": False, "error": f"channel {input_channel!r} cannot push messages",
                "message_id": None, "fallback": None}
    try:
        return await channel.send_text_message(recipient_id, text)
    except Exception as e:  # a bug must not take the inbox down with it
        logger.exception("agent reply via %s to %s failed", input_channel, recipient_id)
        return {"sent": False, "error": repr(e), "message_id": None, "fallback": None}
