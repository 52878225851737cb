"""WhatsApp through Twilio: webhook `/webhooks/twilio_whatsapp/webhook`.

Twilio posts form-encoded messages and status callbacks signed with
X-Twilio-Signature. Twilio's WhatsApp sender has no interactive messages in
plain Messages API calls, so buttons are sent as a numbered list and the
customer's reply ("2" or the title) is mapped back to the button's payload.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.channels import choices, window
from addons.channels.base import ChannelOutput, WebhookInput
from addons.channels.config import setting
from addons.channels.guards import each_isolated, first, oversize, parse_form, reject
from addons.channels.http import SendResult, post
from addons.channels.security import TWILIO_SIGNATURE_HEADER, verify_twilio_signature
from addons.channels.state import ChannelState, Inbound

logger = logging.getLogger(__name__)

CHANNEL = "twilio_whatsapp"
BODY_LIMIT = 1600
PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass
class TwilioConfig:
    account_sid: str
    auth_token: str
    whatsapp_number: str
    api_base: str
    webhook_url: str

    @classmethod
    def load(cls, credentials: Optional[Dict[str, Any]] = None) -> "TwilioConfig":
        c = credentials
        return cls(
            account_sid=setting(c, "account_sid", "TWILIO_ACCOUNT_SID"),
            auth_token=setting(c, "auth_token", "TWILIO_AUTH_TOKEN"),
            whatsapp_number=setting(c, "whatsapp_number", "TWILIO_WHATSAPP_NUMBER"),
            api_base=setting(c, "api_base", "TWILIO_API_BASE",
                             "https://api.twilio.com").rstrip("/"),
            webhook_url=setting(c, "webhook_url", "TWILIO_WEBHOOK_URL"),
        )


def _address(number: str) -> str:
    number = number.strip()
    return number if number.startswith(PREFIX) else PREFIX + number


# --- outbound ------------------------------------------------------------------
class TwilioWhatsAppOutput(ChannelOutput):
    """Sends through Twilio's Messages API; buttons always as a numbered list."""

    channel = CHANNEL
    text_limit = BODY_LIMIT

    async def window_status(self, recipient_id: str) -> Dict[str, Any]:
        return window.status(await self.state.last_inbound(recipient_id), None)

    def _text(self, part: str) -> Dict[str, Any]:
        return {"Body": part}

    async def send_image_url(self, recipient_id: str, image: str,
                             **kwargs: Any) -> Dict[str, Any]:
        return await self._send(recipient_id, {"MediaUrl": image})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any],
                               **kwargs: Any) -> Dict[str, Any]:
        """A `custom` response is sent as extra Messages API parameters."""
        return await self._send(recipient_id, {str(k): str(v) for k, v in json_message.items()})

    async def _deliver(self, recipient_id: str, message: Dict[str, Any]) -> SendResult:
        return await self._post(recipient_id, message)

    async def _post(self, recipient_id: str, fields: Dict[str, str]) -> SendResult:
        c = self.config
        if not (c.account_sid and c.auth_token and c.whatsapp_number):
            logger.error("twilio_whatsapp: TWILIO_ACCOUNT_SID/AUTH_TOKEN/WHATSAPP_NUMBER "
                         "not set: message to %s not sent", recipient_id)
            return SendResult(sent=False, error="not_configured")
        data = {"From": _address(c.whatsapp_number), "To": _address(recipient_id), **fields}
        if c.webhook_url:
            data.setdefault("StatusCallback", c.webhook_url)
        result = await post(f"{c.api_base}/2010-04-01/Accounts/{c.account_sid}/Messages.json",
                            what=f"twilio_whatsapp send to {recipient_id}", data=data,
                            auth=aiohttp.BasicAuth(c.account_sid, c.auth_token))
        if result.sent and isinstance(result.body, dict):
            result.message_id = result.body.get("sid")
        return result


# --- inbound -------------------------------------------------------------------
async def _text_of(form: Dict[str, List[str]], sender: str, state: ChannelState
                   ) -> Tuple[str, Dict[str, Any]]:
    """(text for Rasa, extra metadata) of a Twilio WhatsApp message."""
    body = first(form, "Body")
    if first(form, "ButtonPayload"):  # quick reply of a Twilio content template
        return first(form, "ButtonPayload"), {"choice": first(form, "ButtonText")}
    if first(form, "Latitude") and first(form, "Longitude"):
        loc = {"latitude": _number(first(form, "Latitude")),
               "longitude": _number(first(form, "Longitude"))}
        extra = {"location": dict(loc, address=first(form, "Address") or None,
                                  name=first(form, "Label") or None)}
        return choices.intent_payload("share_location", loc), extra
    num_media = first(form, "NumMedia", "0")
    media_count = min(int(num_media), 10) if num_media.isascii() and num_media.isdigit() else 0
    if media_count:
        media = [{"url": first(form, f"MediaUrl{i}"),
                  "mime_type": first(form, f"MediaContentType{i}")}
                 for i in range(media_count)]
        kind = media[0]["mime_type"].split("/")[0] or "file"
        return body.strip() or choices.intent_payload("share_media", {"media_type": kind}), {
            "media": media}
    payload = await choices.resolve_reply(state, sender, body)
    return (payload, {"choice": body}) if payload else (body, {})


def _number(raw: str) -> Optional[float]:
    try:
        return float(raw)
    except ValueError:
        return None


class TwilioWhatsAppInput(WebhookInput):
    """Rasa input channel `addons.channels.twilio_whatsapp.TwilioWhatsAppInput`."""

    channel = CHANNEL
    config_class = TwilioConfig
    output_class = TwilioWhatsAppOutput
    secret_field = "auth_token"

    def _verified(self, request: Request) -> Any:
        """Size, strict form parsing, then the signature over URL + every pair."""
        too_big = oversize(request, CHANNEL)
        if too_big:
            return too_big
        form = parse_form(request, CHANNEL)
        if isinstance(form, HTTPResponse):
            return form
        header = request.headers.get(TWILIO_SIGNATURE_HEADER, "")
        url = self.config.webhook_url or request.url
        if not verify_twilio_signature(url, form, header, self.config.auth_token):
            return reject(403, "bad signature" if header else "missing signature",
                          CHANNEL, request)
        return form

    def _ack(self) -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def _handle_payload(self, form: Dict[str, List[str]], state: ChannelState
                              ) -> List[Inbound]:
        """A status callback is recorded; a message is returned for processing. A
        malformed one is logged and acknowledged: Twilio would only repeat it."""
        handle = self._record_status if first(form, "MessageStatus") else self._to_inbound
        return await each_isolated(CHANNEL, [form], lambda f: handle(f, state),
                                   ident=lambda f: first(f, "MessageSid"))

    async def _to_inbound(self, form: Dict[str, List[str]], state: ChannelState
                          ) -> Optional[Inbound]:
        sid, sender = first(form, "MessageSid"), first(form, "From")
        if not sid or not sender.startswith(PREFIX + "+"):
            logger.warning("twilio_whatsapp: unknown event (MessageSid=%r, From=%r) "
                           "acknowledged, ignored", sid, sender)
            return None
        phone = sender[len(PREFIX):]
        text, extra = await _text_of(form, phone, state)
        metadata = {"channel_identity": {"type": "phone", "value": phone},
                    "twilio_whatsapp": {"message_id": sid,
                                        "profile_name": first(form, "ProfileName") or None,
                                        **extra}}
        return Inbound(message_id=sid, sender_id=phone, text=text, metadata=metadata)

    @staticmethod
    async def _record_status(form: Dict[str, List[str]], state: ChannelState) -> None:
        sid, status = first(form, "MessageSid"), first(form, "MessageStatus")
        code = first(form, "ErrorCode")
        error = f"{code}: {first(form, 'ErrorMessage')}".rstrip(": ") if code else None
        if error:
            logger.warning("twilio_whatsapp: message %s failed: %s", sid, error)
        to = first(form, "To")
        await state.record_status(sid, status, to[len(PREFIX):] if to.startswith(PREFIX)
                                  else to or None, window.message_time(None), error)
