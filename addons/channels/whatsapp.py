"""WhatsApp Cloud API (Meta) channel: webhook `/webhooks/whatsapp/webhook`.

Inbound: the shared webhook pipeline (addons/channels/base.py, intake.py).
Outbound: Graph API messages with interactive buttons/lists, read receipts,
retries, and the 24-hour window (template fallback). Message shapes:
docs/channels.md.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

from addons.channels import choices, window
from addons.channels.base import ChannelOutput, MetaWebhookInput
from addons.channels.config import setting
from addons.channels.guards import dict_items, each_isolated, obj
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
                **_addressee(recipient_id), **message}
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
        body = {"messaging_product": "whatsapp", **_addressee(recipient_id),
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


def _addressee(recipient_id: str) -> Dict[str, str]:
    """A number goes in `to`; a user known only by user id in `recipient`."""
    if USER_ID.fullmatch(recipient_id):
        return {"recipient": recipient_id}
    return {"to": recipient_id.lstrip("+")}


def _unique_titles(buttons: List[Dict[str, Any]], limit: int) -> bool:
    """WhatsApp rejects duplicate button titles; truncation can create them."""
    titles = [choices.fit(str(b.get("title", "")), limit).casefold() for b in buttons]
    return all(titles) and len(set(titles)) == len(titles)


# --- inbound -------------------------------------------------------------------
# Meta's business-scoped user id (usernames roll-out): "US.13491208655302741918".
USER_ID = re.compile(r"[A-Z]{2}(\.ENT)?\.[A-Za-z0-9]{1,128}")
# Types the bot answers with an intent it already handles.
ANSWERED_TYPES = {
    "request_welcome": "greet",      # first contact: the greeting says what the bot does
    "contacts": "out_of_scope",      # a contact card: the reply lists what the bot can do
    "unsupported": "out_of_scope",   # 131051: a type WhatsApp does not pass on (polls…)
}
IGNORED_TYPES = ("reaction",)  # an emoji on a message asks nothing; answering would be noise


def _sender(msg: Dict[str, Any]) -> Optional[Tuple[str, Optional[Dict[str, str]]]]:
    """(conversation id, channel identity): the number when Meta gives one, else the
    user id, which is never a phone identity; None if neither is valid."""
    wa_id = str(msg.get("from") or "")
    if wa_id.isascii() and wa_id.isdigit():
        return f"+{wa_id}", {"type": "phone", "value": f"+{wa_id}"}
    user_id = msg.get("from_user_id")
    if isinstance(user_id, str) and USER_ID.fullmatch(user_id):
        return user_id, None
    return None


def _profiles(value: Dict[str, Any]) -> Dict[str, Optional[str]]:
    """Profile names by number and by user id (contacts carry either or both)."""
    names: Dict[str, Optional[str]] = {}
    for contact in dict_items(value.get("contacts")):
        for key in ("wa_id", "user_id"):
            if contact.get(key):
                names[str(contact[key])] = obj(contact.get("profile")).get("name")
    return names


async def _to_inbound(msg: Dict[str, Any], profiles: Dict[str, Optional[str]],
                      state: ChannelState) -> Optional[Inbound]:
    """Maps one webhook message to what the bot sees; None for what it must not see."""
    sender, kind = _sender(msg), msg.get("type")
    if sender is None or not msg.get("id"):
        logger.warning("whatsapp: message %s without a valid from/from_user_id ignored",
                       msg.get("id"))
        return None
    sender_id, identity = sender
    if kind in IGNORED_TYPES:
        logger.info("whatsapp: %s %s from %s acknowledged, not passed to the bot", kind,
                    msg["id"], sender_id)
        return None
    text, extra = await _content(kind, msg, sender_id, state)
    if text is None:
        logger.warning("whatsapp: unsupported message type %r (%s) acknowledged, "
                       "not passed to the bot", kind, msg.get("id"))
        return None
    user_id = msg.get("from_user_id")
    details = {"message_id": msg["id"], "type": kind, **extra,
               "profile_name": profiles.get(str(msg.get("from"))) or profiles.get(str(user_id))}
    metadata: Dict[str, Any] = {"whatsapp": dict(details, user_id=user_id) if user_id else details}
    if identity:
        metadata["channel_identity"] = identity
    return Inbound(message_id=msg["id"], sender_id=sender_id, text=text, metadata=metadata,
                   received_at=window.message_time(msg.get("timestamp")))


async def _content(kind: Any, msg: Dict[str, Any], sender_id: str, state: ChannelState
                   ) -> Tuple[Optional[str], Dict[str, Any]]:
    """(text for Rasa, extra metadata) of a message; text None if unsupported."""
    if kind == "text":
        body = _part(msg, "text").get("body")
        if not isinstance(body, str):
            raise ValueError("text.body is not a string")
        payload = await choices.resolve_reply(state, sender_id, body)
        return (payload, {"choice": body}) if payload else (body, {})
    if kind == "interactive":
        inter = _part(msg, "interactive")
        reply = obj(inter.get(inter.get("type"))) if inter.get("type") in (
            "button_reply", "list_reply") else {}
        if not reply.get("id"):
            return None, {}
        return (await choices.payload_for_id(state, str(reply["id"])),
                {"reply": {"id": reply["id"], "title": reply.get("title")}})
    if kind == "button":  # quick-reply button of a template message
        button = _part(msg, "button")
        return str(button.get("payload") or button.get("text") or ""), {"reply": button}
    if kind == "location":
        loc = _part(msg, "location")
        coords = {"latitude": loc.get("latitude"), "longitude": loc.get("longitude")}
        return choices.intent_payload("share_location", coords), {"location": loc}
    if kind in MEDIA_TYPES:
        media = dict(_part(msg, kind), type=kind)
        caption = str(media.get("caption") or "").strip()
        text = caption or choices.intent_payload("share_media", {"media_type": kind})
        return text, {"media": media}
    if kind in ANSWERED_TYPES:
        errors = [_error_text(e) for e in dict_items(msg.get("errors"))]
        logger.info("whatsapp: %s message %s answered as %s%s", kind, msg.get("id"),
                    ANSWERED_TYPES[kind], f" ({'; '.join(errors)})" if errors else "")
        extra = {"errors": errors} if errors else {}
        return choices.intent_payload(ANSWERED_TYPES[kind], {}), extra
    return None, {}


def _part(msg: Dict[str, Any], key: str) -> Dict[str, Any]:
    """The object of the message's type; a message without one is malformed."""
    value = msg.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"{key!r} is not an object")
    return value


def _error_text(error: Dict[str, Any]) -> str:
    details = obj(error.get("error_data")).get("details") or error.get("details")
    return f"{error.get('code')}: {error.get('title') or error.get('message')}" + (
        f" ({details})" if details else "")


def _status_error(status: Dict[str, Any]) -> Optional[str]:
    errors = dict_items(status.get("errors"))
    return _error_text(errors[0]) if errors else None


def _status_recipient(status: Dict[str, Any]) -> Optional[str]:
    """A customer's number in E.164; a group id or a user id as Meta gives it."""
    recipient = str(status.get("recipient_id") or "")
    if recipient.isascii() and recipient.isdigit() and status.get("recipient_type") != "group":
        return f"+{recipient}"
    return recipient or str(status.get("recipient_user_id") or "") or None


def _log_errors(value: Dict[str, Any]) -> None:
    """Webhook-level errors (`value.errors`) concern the whole number: say so."""
    for error in dict_items(value.get("errors")):
        logger.warning("whatsapp: error webhook for phone number id %s: %s",
                       obj(value.get("metadata")).get("phone_number_id"), _error_text(error))


class WhatsAppInput(MetaWebhookInput):
    """Rasa input channel `addons.channels.whatsapp.WhatsAppInput` (name "whatsapp")."""

    channel = CHANNEL
    config_class = WhatsAppConfig
    output_class = WhatsAppOutput

    async def _before_turn(self, msg: Inbound) -> None:
        await self.get_output_channel().mark_read(msg.message_id)

    async def _handle_payload(self, data: Dict[str, Any], state: ChannelState
                              ) -> List[Inbound]:
        """Records statuses; returns the customer messages to process. Each status and
        message is handled on its own: a malformed one never costs the others."""
        if data.get("object") != "whatsapp_business_account":
            logger.warning("whatsapp: unknown webhook object %r acknowledged",
                           data.get("object"))
            return []
        messages: List[Inbound] = []
        for value in self._changes(data):
            _log_errors(value)
            profiles = _profiles(value)
            await each_isolated(CHANNEL, dict_items(value.get("statuses")),
                                lambda status: self._record_status(status, state))
            messages += await each_isolated(CHANNEL, dict_items(value.get("messages")),
                                            lambda msg: _to_inbound(msg, profiles, state))
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
                number = str(obj(value.get("metadata")).get("phone_number_id", ""))
                if self.config.phone_number_id and number != self.config.phone_number_id:
                    logger.warning("whatsapp: event for phone number id %s (not ours) "
                                   "ignored", number)
                    continue
                values.append(value)
        return values

    @staticmethod
    async def _record_status(status: Dict[str, Any], state: ChannelState) -> None:
        if not status.get("id") or not status.get("status"):
            logger.warning("whatsapp: malformed status ignored: %s", status.get("id"))
            return
        recipient, error = _status_recipient(status), _status_error(status)
        if error:
            logger.warning("whatsapp: message %s to %s failed: %s", status["id"],
                           recipient, error)
        await state.record_status(str(status["id"]), str(status["status"]), recipient,
                                  window.message_time(status.get("timestamp")), error)
