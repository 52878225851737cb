"""WhatsApp Cloud API (Meta) channel: webhook `/webhooks/whatsapp/webhook`.

Inbound: the shared webhook pipeline (addons/channels/base.py, intake.py).
Outbound: Graph API messages with interactive buttons/lists, read receipts,
retries, and the 24-hour window (template fallback). Message shapes:
docs/channels.md.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

from addons.channels import choices, window
from addons.channels.base import ChannelOutput, MetaWebhookInput
from addons.channels.config import setting
from addons.channels.guards import dict_items
from addons.channels.http import SendResult, post
from addons.channels.state import ChannelState, Inbound

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
TEXT_LIMIT = 4096
BUTTON_BODY_LIMIT = 1024
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
LIST_BODY_LIMIT = 4096
LIST_ROW_TITLE_LIMIT = 24
LIST_ROW_DESCRIPTION_LIMIT = 72
LIST_ROW_ID_LIMIT = 200
LIST_BUTTON_LABEL = "Choose"
MAX_BUTTONS = 3
MAX_LIST_ROWS = 10
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")


@dataclass
class WhatsAppConfig:
    app_secret: str
    verify_token: str
    access_token: str
    phone_number_id: str
    api_base: str
    template_name: str
    template_lang: str

    @classmethod
    def load(cls, credentials: Optional[Dict[str, Any]] = None) -> "WhatsAppConfig":
        c = credentials
        return cls(
            app_secret=setting(c, "app_secret", "WHATSAPP_APP_SECRET"),
            verify_token=setting(c, "verify_token", "WHATSAPP_VERIFY_TOKEN"),
            access_token=setting(c, "access_token", "WHATSAPP_ACCESS_TOKEN"),
            phone_number_id=setting(c, "phone_number_id", "WHATSAPP_PHONE_NUMBER_ID"),
            api_base=setting(c, "api_base", "WHATSAPP_API_BASE",
                             "https://graph.facebook.com/v19.0").rstrip("/"),
            template_name=setting(c, "template_name", "WHATSAPP_TEMPLATE_NAME"),
            template_lang=setting(c, "template_lang", "WHATSAPP_TEMPLATE_LANG", "en_US"),
        )


# --- outbound ------------------------------------------------------------------
class WhatsAppOutput(ChannelOutput):
    """Sends through the Graph API (interactive buttons/lists, template fallback)."""

    channel = CHANNEL
    text_limit = TEXT_LIMIT

    def __init__(self, config: WhatsAppConfig, state: Optional[ChannelState] = None) -> None:
        super().__init__(config, state)
        self._template_sent_to: Set[str] = set()  # one template per closed-window turn

    async def window_status(self, recipient_id: str) -> Dict[str, Any]:
        last = await self.state.last_inbound(recipient_id)
        return window.status(last, "template" if self.config.template_name else None)

    def _text(self, part: str) -> Dict[str, Any]:
        return {"type": "text", "text": {"body": part, "preview_url": False}}

    async def _send_buttons(self, recipient_id: str, text: str,
                            buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
        if len(buttons) <= MAX_BUTTONS and _unique_titles(buttons, BUTTON_TITLE_LIMIT):
            return await self._send_reply_buttons(recipient_id, text, buttons)
        if len(buttons) <= MAX_LIST_ROWS:
            return await self._send_list(recipient_id, text, buttons)
        return await self._send_numbered(recipient_id, text, buttons)

    async def send_image_url(self, recipient_id: str, image: str,
                             **kwargs: Any) -> Dict[str, Any]:
        return await self._send(recipient_id, {"type": "image", "image": {"link": image}})

    async def mark_read(self, message_id: str) -> Dict[str, Any]:
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        return (await self._post(body, f"whatsapp mark-read {message_id}")).as_dict()

    async def _send_reply_buttons(self, recipient_id: str, text: str,
                                  buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
        body = await self._lead_in(recipient_id, text, BUTTON_BODY_LIMIT)
        if body is None:
            return self._lead_in_failed()
        ids = await choices.unique_button_ids(self.state, buttons, BUTTON_ID_LIMIT)
        rows = [{"type": "reply", "reply": {
            "id": button_id, "title": choices.fit(b.get("title", ""), BUTTON_TITLE_LIMIT)}}
            for b, button_id in zip(buttons, ids)]
        return await self._send(recipient_id, {"type": "interactive", "interactive": {
            "type": "button", "body": {"text": body}, "action": {"buttons": rows}}})

    async def _send_list(self, recipient_id: str, text: str,
                         buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
        body = await self._lead_in(recipient_id, text, LIST_BODY_LIMIT)
        if body is None:
            return self._lead_in_failed()
        rows = []
        ids = await choices.unique_button_ids(self.state, buttons, LIST_ROW_ID_LIMIT)
        for b, row_id in zip(buttons, ids):
            title = str(b.get("title", ""))
            row = {"id": row_id, "title": choices.fit(title, LIST_ROW_TITLE_LIMIT)}
            if len(title) > LIST_ROW_TITLE_LIMIT:  # show the whole title below it
                row["description"] = choices.fit(title, LIST_ROW_DESCRIPTION_LIMIT)
            rows.append(row)
        return await self._send(recipient_id, {"type": "interactive", "interactive": {
            "type": "list", "body": {"text": body},
            "action": {"button": LIST_BUTTON_LABEL, "sections": [{"rows": rows}]}}})

    async def _deliver(self, recipient_id: str, message: Dict[str, Any]) -> SendResult:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual",
                "to": recipient_id.lstrip("+"), **message}
        return await self._post(body, f"whatsapp send {message.get('type')} to {recipient_id}")

    async def _window_closed(self, recipient_id: str, message: Dict[str, Any],
                             status: Dict[str, Any]) -> SendResult:
        """The approved template instead, once per turn; never the message itself."""
        if not self.config.template_name:
            logger.warning("whatsapp: 24-hour window closed for %s and no "
                           "WHATSAPP_TEMPLATE_NAME: message not sent", recipient_id)
            return SendResult(sent=False, error="window_closed")
        if recipient_id in self._template_sent_to:
            return SendResult(sent=False, error="window_closed", fallback="template")
        body = {"messaging_product": "whatsapp", "to": recipient_id.lstrip("+"),
                "type": "template", "template": {
                    "name": self.config.template_name,
                    "language": {"code": self.config.template_lang}}}
        sent = await self._post(body, f"whatsapp template to {recipient_id}")
        logger.warning("whatsapp: window closed for %s, sent template %s instead (%s)",
                       recipient_id, self.config.template_name,
                       "ok" if sent.sent else sent.error)
        self._template_sent_to.add(recipient_id)
        return SendResult(sent=False, error="window_closed" if sent.sent else sent.error,
                          fallback="template" if sent.sent else None,
                          message_id=sent.message_id, status=sent.status)

    async def _post(self, body: Dict[str, Any], what: str) -> SendResult:
        if not (self.config.access_token and self.config.phone_number_id):
            logger.error("%s: WHATSAPP_ACCESS_TOKEN/PHONE_NUMBER_ID not set", what)
            return SendResult(sent=False, error="not_configured")
        result = await post(
            f"{self.config.api_base}/{self.config.phone_number_id}/messages",
            what=what, json=body,
            headers={"Authorization": f"Bearer {self.config.access_token}"})
        if result.sent and isinstance(result.body, dict):
            sent = result.body.get("messages") or [{}]
            result.message_id = sent[0].get("id")
        return result


def _unique_titles(buttons: List[Dict[str, Any]], limit: int) -> bool:
    """WhatsApp rejects duplicate button titles; truncation can create them."""
    titles = [choices.fit(str(b.get("title", "")), limit).casefold() for b in buttons]
    return all(titles) and len(set(titles)) == len(titles)


# --- inbound -------------------------------------------------------------------
def _metadata(wa_id: str, msg: Dict[str, Any], profile: Optional[str],
              **extra: Any) -> Dict[str, Any]:
    return {"channel_identity": {"type": "phone", "value": f"+{wa_id}"},
            "whatsapp": {"message_id": msg.get("id"), "profile_name": profile,
                         "type": msg.get("type"), **extra}}


async def _to_inbound(msg: Dict[str, Any], profile: Optional[str],
                      state: ChannelState) -> Optional[Inbound]:
    """Maps one webhook message to what the bot sees; None for unsupported types."""
    wa_id, kind = str(msg.get("from", "")), msg.get("type")
    if not wa_id.isdigit() or not msg.get("id"):
        logger.warning("whatsapp: message without valid from/id ignored: %s", msg)
        return None
    text, extra = await _content(kind, msg, wa_id, state)
    if text is None:
        logger.warning("whatsapp: unsupported message type %r (%s) acknowledged, "
                       "not passed to the bot", kind, msg.get("id"))
        return None
    return Inbound(message_id=msg["id"], sender_id=f"+{wa_id}", text=text,
                   metadata=_metadata(wa_id, msg, profile, **extra),
                   received_at=window.message_time(msg.get("timestamp")))


async def _content(kind: Any, msg: Dict[str, Any], wa_id: str, state: ChannelState
                   ) -> Tuple[Optional[str], Dict[str, Any]]:
    """(text for Rasa, extra metadata) of a message; text None if unsupported."""
    if kind == "text":
        body = str((msg.get("text") or {}).get("body", ""))
        payload = await choices.resolve_reply(state, f"+{wa_id}", body)
        return (payload, {"choice": body}) if payload else (body, {})
    if kind == "interactive":
        inter = msg.get("interactive") or {}
        reply = inter.get(inter.get("type")) if inter.get("type") in (
            "button_reply", "list_reply") else None
        if not isinstance(reply, dict) or not reply.get("id"):
            return None, {}
        return (await choices.payload_for_id(state, str(reply["id"])),
                {"reply": {"id": reply["id"], "title": reply.get("title")}})
    if kind == "button":  # quick-reply button of a template message
        button = msg.get("button") or {}
        return str(button.get("payload") or button.get("text") or ""), {"reply": button}
    if kind == "location":
        loc = msg.get("location") or {}
        coords = {"latitude": loc.get("latitude"), "longitude": loc.get("longitude")}
        return choices.intent_payload("share_location", coords), {"location": loc}
    if kind in MEDIA_TYPES:
        media = dict(msg.get(kind) or {}, type=kind)
        caption = str(media.get("caption") or "").strip()
        text = caption or choices.intent_payload("share_media", {"media_type": kind})
        return text, {"media": media}
    return None, {}


def _status_error(status: Dict[str, Any]) -> Optional[str]:
    errors = status.get("errors") or []
    if not errors:
        return None
    e = errors[0]
    details = (e.get("error_data") or {}).get("details")
    return f"{e.get('code')}: {e.get('title') or e.get('message')}" + (
        f" ({details})" if details else "")


class WhatsAppInput(MetaWebhookInput):
    """Rasa input channel `addons.channels.whatsapp.WhatsAppInput` (name "whatsapp")."""

    channel = CHANNEL
    config_class = WhatsAppConfig
    output_class = WhatsAppOutput

    async def _before_turn(self, msg: Inbound) -> None:
        await self.get_output_channel().mark_read(msg.message_id)

    async def _handle_payload(self, data: Dict[str, Any], state: ChannelState
                              ) -> List[Inbound]:
        """Records statuses; returns the customer messages to process."""
        if data.get("object") != "whatsapp_business_account":
            logger.warning("whatsapp: unknown webhook object %r acknowledged",
                           data.get("object"))
            return []
        messages: List[Inbound] = []
        for value in self._changes(data):
            profiles = {str(c.get("wa_id")): (c.get("profile") or {}).get("name")
                        for c in dict_items(value.get("contacts"))}
            for status in dict_items(value.get("statuses")):
                await self._record_status(status, state)
            for msg in dict_items(value.get("messages")):
                inbound = await _to_inbound(msg, profiles.get(str(msg.get("from"))), state)
                if inbound:
                    messages.append(inbound)
        return messages

    def _changes(self, data: Dict[str, Any]) -> List[Dict[str, Any]]:
        """`value`s of `messages` changes addressed to our phone number."""
        values = []
        for entry in dict_items(data.get("entry")):
            for change in dict_items(entry.get("changes")):
                value = change.get("value")
                if change.get("field") != "messages" or not isinstance(value, dict):
                    logger.warning("whatsapp: change field %r acknowledged, ignored",
                                   change.get("field"))
                    continue
                number = str((value.get("metadata") or {}).get("phone_number_id", ""))
                if self.config.phone_number_id and number != self.config.phone_number_id:
                    logger.warning("whatsapp: event for phone number id %s (not ours) "
                                   "ignored", number)
                    continue
                values.append(value)
        return values

    @staticmethod
    async def _record_status(status: Dict[str, Any], state: ChannelState) -> None:
        if not status.get("id") or not status.get("status"):
            logger.warning("whatsapp: malformed status ignored: %s", status)
            return
        error = _status_error(status)
        if error:
            logger.warning("whatsapp: message %s to %s failed: %s", status["id"],
                           status.get("recipient_id"), error)
        await state.record_status(str(status["id"]), str(status["status"]),
                                  f"+{status.get('recipient_id')}",
                                  window.message_time(status.get("timestamp")), error)
