"""The callback channel (`POST /webhooks/callback/webhook`), replacing Rasa's:
like REST (addons/channels/rest.py: sender required and namespaced as
"callback:<sender>", caller metadata ignored, long messages refused), but the
bot's replies are POSTed to the configured URL, addressed to the sender id
the caller used."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.callback import CallbackOutput as RasaCallbackOutput
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig
from sanic import Blueprint, response
from sanic.response import HTTPResponse

from addons.channels.conversations import TOO_LONG, addressed, max_message_chars, namespaced
from addons.channels.rest import too_long, webhook_blueprint

logger = logging.getLogger(__name__)
CHANNEL = "callback"


class CallbackOutput(RasaCallbackOutput):
    async def _persist_message(self, message: Dict[str, Any]) -> None:
        await super()._persist_message(addressed(CHANNEL, message))


class CallbackInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(EndpointConfig.from_dict(credentials))

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.callback_endpoint = endpoint

    def get_output_channel(self) -> CallbackOutput:
        return CallbackOutput(self.callback_endpoint)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(sender: str, text: str) -> HTTPResponse:
            conversation = namespaced(self.name(), sender)
            output = self.get_output_channel()
            if too_long(self.name(), text):
                await output.send_text_message(conversation, TOO_LONG.format(limit=max_message_chars()))
            else:
                await on_new_message(UserMessage(text, output, conversation, input_channel=self.name()))
            return response.text("success")

        return webhook_blueprint(self.name(), handle)
