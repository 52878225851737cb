"""What the three connectors share, so each connector file holds only its
provider's formats and rules.

- `ChannelOutput`: result dicts instead of exceptions (a failed send must not
  fail the turn), text split at the provider's limit, the messaging-window
  check before every send, and the numbered-list fallback for buttons.
- `WebhookInput`: the webhook pipeline of docs/channels.md: guards (size,
  signature, parsing) → provider payload to `Inbound`s → window touched →
  durable dedupe and ack at once → background turn (intake.py).
- `MetaWebhookInput`: Meta's signed JSON and GET verification handshake
  (WhatsApp Cloud and Messenger).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, ClassVar, Dict, List, Optional, Type

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.channels import choices
from addons.channels.guards import meta_handshake, meta_signed_json
from addons.channels.http import SendResult
from addons.channels.intake import Intake
from addons.channels.state import ChannelState, Inbound

logger = logging.getLogger(__name__)


class ChannelOutput(OutputChannel):
    """Every send returns a result dict (also kept in `last_result`) and never raises."""

    channel: ClassVar[str]
    text_limit: ClassVar[int]

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def __init__(self, config: Any, state: Optional[ChannelState] = None) -> None:
        self.config = config
        self.state = state or ChannelState(self.channel)
        self.last_result: Optional[Dict[str, Any]] = None

    # --- provider specifics ---------------------------------------------------
    async def window_status(self, recipient_id: str) -> Dict[str, Any]:
        """{"open", "closes_at", "fallback"} (window.status), also read by the inbox."""
        raise NotImplementedError

    def _text(self, part: str) -> Dict[str, Any]:
        """The provider's message for one text part."""
        raise NotImplementedError

    async def _deliver(self, recipient_id: str, message: Dict[str, Any]) -> SendResult:
        """Posts one message; called only while the window is open."""
        raise NotImplementedError

    async def _window_closed(self, recipient_id: str, message: Dict[str, Any],
                             status: Dict[str, Any]) -> SendResult:
        """Default: nothing may be sent (providers would reject it anyway)."""
        logger.warning("%s: 24-hour window closed for %s: message not sent",
                       self.channel, recipient_id)
        return SendResult(sent=False, error="window_closed")

    async def _send_buttons(self, recipient_id: str, text: str,
                            buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
        """Default rendering of one or more buttons: a numbered list."""
        return await self._send_numbered(recipient_id, text, buttons)

    # --- OutputChannel ----------------------------------------------------------
    async def send_text_message(self, recipient_id: str, text: str,
                                **kwargs: Any) -> Dict[str, Any]:
        result = SendResult(sent=False, error="empty text").as_dict()
        for part in choices.chunks(text, self.text_limit):
            result = await self._send(recipient_id, self._text(part))
            if not result["sent"]:
                break
        return result

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> Dict[str, Any]:
        if not buttons:
            return await self.send_text_message(recipient_id, text)
        return await self._send_buttons(recipient_id, text, buttons)

    async def send_quick_replies(self, recipient_id: str, text: str,
                                 quick_replies: List[Dict[str, Any]],
                                 **kwargs: Any) -> Dict[str, Any]:
        return await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any],
                               **kwargs: Any) -> Dict[str, Any]:
        """A `custom` response is sent as the provider's message object."""
        return await self._send(recipient_id, dict(json_message))

    # --- shared steps -------------------------------------------------------------
    async def _send(self, recipient_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        """Sends one message if the window is open, else what the provider allows."""
        status = await self.window_status(recipient_id)
        if status["open"]:
            result = await self._deliver(recipient_id, message)
        else:
            result = await self._window_closed(recipient_id, message, status)
        self.last_result = result.as_dict()
        return self.last_result

    async def _send_numbered(self, recipient_id: str, text: str,
                             buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
        """Choices as numbered text; the reply ("2" or a title) maps back durably."""
        await choices.offer(self.state, recipient_id, buttons)
        return await self.send_text_message(recipient_id, choices.numbered_text(text, buttons))

    async def _lead_in(self, recipient_id: str, text: str, limit: int) -> Optional[str]:
        """Sends all but the last `limit`-sized part as text; returns the last part
        (to carry the buttons), or None if a lead-in part failed."""
        parts = choices.chunks(text or "Please choose:", limit) or ["Please choose:"]
        for part in parts[:-1]:
            if not (await self.send_text_message(recipient_id, part))["sent"]:
                return None
        return parts[-1]

    def _lead_in_failed(self) -> Dict[str, Any]:
        return self.last_result or {"sent": False, "error": "lead-in failed"}


class WebhookInput(InputChannel):
    """A Rasa input channel served at `/webhooks/<channel>/webhook` (POST)."""

    channel: ClassVar[str]
    config_class: ClassVar[Any]
    output_class: ClassVar[Type[ChannelOutput]]
    secret_field: ClassVar[str]  # without it every webhook fails the signature check

    @classmethod
    def name(cls) -> str:
        return cls.channel

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WebhookInput":
        return cls(cls.config_class.load(credentials))

    def __init__(self, config: Any) -> None:
        self.config = config
        if not getattr(config, self.secret_field):
            logger.error("%s: no %s configured: every webhook will get 403",
                         self.channel, self.secret_field)

    def get_output_channel(self) -> ChannelOutput:
        return self.output_class(self.config)

    # --- provider specifics ---------------------------------------------------
    def _verified(self, request: Request) -> Any:
        """The parsed body, or the error HTTPResponse of a failed guard."""
        raise NotImplementedError

    async def _handle_payload(self, data: Any, state: ChannelState) -> List[Inbound]:
        """Records statuses; returns the customer messages to process."""
        raise NotImplementedError

    def _ack(self) -> HTTPResponse:
        return response.json({"status": "received"})

    async def _before_turn(self, msg: Inbound) -> None:
        """Runs just before the bot handles `msg` (read receipt, typing…)."""

    # --- the pipeline -----------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        bp = Blueprint(f"{self.channel}_webhook", __name__)
        state = ChannelState(self.channel)
        intake = Intake(self.channel, state, on_new_message, self.get_output_channel,
                        before_turn=self._before_turn)

        @bp.listener("after_server_start")
        async def start_recovery(_app: Any, _loop: Any) -> None:
            intake.start_sweeper()

        @bp.listener("before_server_stop")
        async def stop_recovery(_app: Any, _loop: Any) -> None:
            await intake.stop()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            data = self._verified(request)
            if isinstance(data, HTTPResponse):
                return data
            messages = await self._handle_payload(data, state)
            for msg in messages:  # retries too: the window only moves forward
                await state.touch_window(msg.sender_id, msg.received_at)
            await intake.accept(messages)
            return self._ack()

        return bp


class MetaWebhookInput(WebhookInput):
    """Meta webhooks: X-Hub-Signature-256 JSON and the GET subscribe handshake."""

    secret_field = "app_secret"

    def _verified(self, request: Request) -> Any:
        return meta_signed_json(request, self.channel, self.config.app_secret)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return meta_handshake(request, self.channel, self.config.verify_token)

        return bp
