"""Facebook Messenger channel: webhook `/webhooks/messenger/webhook`.

Same webhook pipeline as WhatsApp (addons/channels/base.py; dedupe by `mid`).
Echoes of our own messages, deliveries and reads are acknowledged and ignored.
Outbound through the Send API with button templates / quick replies, a typing
indicator while the bot works, and Messenger's windows: 24 hours for anything,
then up to 7 days for human agents only (HUMAN_AGENT tag).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from addons.channels import choices, window
from addons.channels.base import ChannelOutput, MetaWebhookInput
from addons.channels.config import setting
from addons.channels.guards import dict_items, each_isolated, obj
from addons.channels.http import SendResult, post
from addons.channels.state import ChannelState, Inbound

logger = logging.getLogger(__name__)

CHANNEL = "messenger"
TEXT_LIMIT = 2000
TEMPLATE_TEXT_LIMIT = 640
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13
MEDIA_TYPES = ("image", "video", "audio", "file", "sticker")
# Chat plugin / checkbox users have no PSID yet: Meta names them by a `user_ref`.
USER_REF_PREFIX = "user_ref:"
IGNORED_EVENTS = ("delivery", "read", "reaction", "optin", "referral", "account_linking")


@dataclass
class MessengerConfig:
    app_secret: str
    verify_token: str
    page_access_token: str
    api_base: str

    @classmethod
    def load(cls, credentials: Optional[Dict[str, Any]] = None) -> "MessengerConfig":
        c = credentials
        return cls(
            app_secret=setting(c, "app_secret", "MESSENGER_APP_SECRET"),
            verify_token=setting(c, "verify_token", "MESSENGER_VERIFY_TOKEN"),
            page_access_token=setting(c, "page_access_token", "MESSENGER_PAGE_ACCESS_TOKEN"),
            api_base=setting(c, "api_base", "MESSENGER_API_BASE",
                             "https://graph.facebook.com/v19.0").rstrip("/"),
        )


# --- outbound ------------------------------------------------------------------
RESPONSE = {"messaging_type": "RESPONSE"}
HUMAN_AGENT_TAG = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}


class MessengerOutput(ChannelOutput):
    """Send API client. `as_human_agent` (agent inbox replies) may use the
    HUMAN_AGENT tag after the 24-hour window; the bot never does."""

    channel = CHANNEL
    text_limit = TEXT_LIMIT

    def __init__(self, config: MessengerConfig, state: Optional[ChannelState] = None,
                 as_human_agent: bool = False) -> None:
        super().__init__(config, state)
        self.as_human_agent = as_human_agent

    async def window_status(self, recipient_id: str) -> Dict[str, Any]:
        last = await self.state.last_inbound(recipient_id)
        agent_ok = window.is_open(last, window.HUMAN_AGENT_WINDOW_SECONDS)
        return window.status(last, "human_agent_tag" if agent_ok else None)

    def _text(self, part: str) -> Dict[str, Any]:
        return {"text": part}

    async def _send_buttons(self, recipient_id: str, text: str,
                            buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
        if len(buttons) <= MAX_TEMPLATE_BUTTONS and len(text or "") <= TEMPLATE_TEXT_LIMIT:
            return await self._send_button_template(recipient_id, text, buttons)
        if len(buttons) <= MAX_QUICK_REPLIES:
            return await self.send_quick_replies(recipient_id, text, buttons)
        return await self._send_numbered(recipient_id, text, buttons)

    async def send_quick_replies(self, recipient_id: str, text: str,
                                 quick_replies: List[Dict[str, Any]],
                                 **kwargs: Any) -> Dict[str, Any]:
        if len(quick_replies) > MAX_QUICK_REPLIES:
            return await self.send_text_with_buttons(recipient_id, text, quick_replies)
        last_part = await self._lead_in(recipient_id, text, TEXT_LIMIT)
        if last_part is None:
            return self._lead_in_failed()
        replies = [{"content_type": "text", "title": choices.fit(b.get("title", ""), TITLE_LIMIT),
                    "payload": await choices.button_id(self.state, b, PAYLOAD_LIMIT)}
                   for b in quick_replies]
        return await self._send(recipient_id, {"text": last_part, "quick_replies": replies})

    async def send_image_url(self, recipient_id: str, image: str,
                             **kwargs: Any) -> Dict[str, Any]:
        return await self._send(recipient_id, {"attachment": {
            "type": "image", "payload": {"url": image, "is_reusable": True}}})

    async def typing_on(self, recipient_id: str) -> Dict[str, Any]:
        if not (await self.window_status(recipient_id))["open"]:
            return {"sent": False, "error": "window_closed"}
        body = {"recipient": _recipient(recipient_id), "sender_action": "typing_on"}
        return (await self._post(body, f"messenger typing_on {recipient_id}")).as_dict()

    async def _send_button_template(self, recipient_id: str, text: str,
                                    buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
        rendered = []
        for b in buttons:
            title = choices.fit(b.get("title", ""), TITLE_LIMIT)
            if b.get("url"):
                rendered.append({"type": "web_url", "url": b["url"], "title": title})
            else:
                rendered.append({"type": "postback", "title": title, "payload":
                                 await choices.button_id(self.state, b, PAYLOAD_LIMIT)})
        return await self._send(recipient_id, {"attachment": {"type": "template", "payload": {
            "template_type": "button", "text": text or "Please choose:",
            "buttons": rendered}}})

    async def _deliver(self, recipient_id: str, message: Dict[str, Any],
                       routing: Dict[str, str] = RESPONSE) -> SendResult:
        body = {"recipient": _recipient(recipient_id), **routing, "message": message}
        return await self._post(body, f"messenger send to {recipient_id}")

    async def _window_closed(self, recipient_id: str, message: Dict[str, Any],
                             status: Dict[str, Any]) -> SendResult:
        """Only human agents may still answer (HUMAN_AGENT tag, up to 7 days)."""
        if not self.as_human_agent:
            return await super()._window_closed(recipient_id, message, status)
        if status["fallback"] != "human_agent_tag":
            logger.warning("messenger: 7-day human agent window closed for %s: message "
                           "not sent", recipient_id)
            return SendResult(sent=False, error="window_closed")
        result = await self._deliver(recipient_id, message, HUMAN_AGENT_TAG)
        result.fallback = "human_agent_tag" if result.sent else None
        return result

    async def _post(self, body: Dict[str, Any], what: str) -> SendResult:
        if not self.config.page_access_token:
            logger.error("%s: MESSENGER_PAGE_ACCESS_TOKEN not set", what)
            return SendResult(sent=False, error="not_configured")
        result = await post(f"{self.config.api_base}/me/messages", what=what, json=body,
                            params={"access_token": self.config.page_access_token})
        if result.sent and isinstance(result.body, dict):
            result.message_id = result.body.get("message_id")
        return result


def _recipient(recipient_id: str) -> Dict[str, str]:
    """The Send API recipient of a conversation id: a PSID or a user_ref."""
    if recipient_id.startswith(USER_REF_PREFIX):
        return {"user_ref": recipient_id[len(USER_REF_PREFIX):]}
    return {"id": recipient_id}


# --- inbound -------------------------------------------------------------------
def _sender(event: Dict[str, Any]) -> Tuple[str, Optional[Dict[str, str]]]:
    """(conversation id, channel identity): a PSID is an identity, a user_ref is not."""
    sender = obj(event.get("sender"))
    if sender.get("id"):
        psid = str(sender["id"])
        return psid, {"type": "messenger_psid", "value": psid}
    if sender.get("user_ref"):
        return USER_REF_PREFIX + str(sender["user_ref"]), None
    return "", None


def _event_id(event: Dict[str, Any], sender_id: str) -> Optional[str]:
    """`mid` when Meta gives one; postbacks may lack it, so derive a stable id."""
    body = obj(event.get("message")) or obj(event.get("postback"))
    if body.get("mid"):
        return str(body["mid"])
    if "postback" in event:
        raw = f"{sender_id}|{event.get('timestamp')}|{body.get('payload')}"
        return "postback:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    return None


async def _content(event: Dict[str, Any], psid: str, state: ChannelState
                   ) -> Tuple[Optional[str], Dict[str, Any]]:
    """(text for Rasa, extra metadata) of a message or postback event."""
    if "postback" in event:
        pb = obj(event["postback"])
        return (await choices.payload_for_id(state, str(pb.get("payload") or pb.get("title")
                                                         or "")), {"reply": pb})
    msg = obj(event.get("message"))
    quick = obj(msg.get("quick_reply"))
    if quick.get("payload"):
        return await choices.payload_for_id(state, str(quick["payload"])), {
            "reply": {"payload": quick["payload"], "title": msg.get("text")}}
    attachments = dict_items(msg.get("attachments"))
    if msg.get("text"):
        payload = await choices.resolve_reply(state, psid, str(msg["text"]))
        extra = {"attachments": attachments} if attachments else {}
        return (payload, dict(extra, choice=msg["text"])) if payload else (
            str(msg["text"]), extra)
    # Several attachments arrive as one message: the first one the bot can read speaks
    # for it (an unknown type first must not drop the photos after it).
    texts = [t for t in map(_attachment_text, attachments) if t]
    return (texts[0] if texts else None), ({"attachments": attachments} if attachments else {})


def _attachment_text(attachment: Dict[str, Any]) -> Optional[str]:
    kind, payload = attachment.get("type"), obj(attachment.get("payload"))
    coords = obj(payload.get("coordinates"))
    if kind == "location" and coords:
        return choices.intent_payload("share_location", {
            "latitude": coords.get("lat"), "longitude": coords.get("long")})
    if kind in MEDIA_TYPES:
        return choices.intent_payload("share_media", {"media_type": kind})
    return None


class MessengerInput(MetaWebhookInput):
    """Rasa input channel `addons.channels.messenger.MessengerInput` (name "messenger")."""

    channel = CHANNEL
    config_class = MessengerConfig
    output_class = MessengerOutput

    async def _before_turn(self, msg: Inbound) -> None:
        await self.get_output_channel().typing_on(msg.sender_id)

    async def _handle_payload(self, data: Dict[str, Any], state: ChannelState
                              ) -> List[Inbound]:
        if data.get("object") != "page":
            logger.warning("messenger: unknown webhook object %r acknowledged",
                           data.get("object"))
            return []
        messages: List[Inbound] = []
        for entry in dict_items(data.get("entry")):
            messages += await each_isolated(CHANNEL, dict_items(entry.get("messaging")),
                                            lambda event: self._to_inbound(event, state))
        return messages

    @staticmethod
    async def _to_inbound(event: Dict[str, Any], state: ChannelState) -> Optional[Inbound]:
        sender_id, identity = _sender(event)
        kind = next((k for k in ("message", "postback") + IGNORED_EVENTS if k in event),
                    None)
        if obj(event.get("message")).get("is_echo"):
            logger.debug("messenger: echo of our own message ignored")
            return None
        if kind in IGNORED_EVENTS:
            logger.debug("messenger: %s event acknowledged, ignored", kind)
            return None
        message_id = _event_id(event, sender_id)
        if kind is None or not sender_id or not message_id:
            logger.warning("messenger: unknown event %s acknowledged, ignored",
                           sorted(event))
            return None
        text, extra = await _content(event, sender_id, state)
        if text is None:
            logger.warning("messenger: unsupported %s %s acknowledged, not passed to "
                           "the bot", kind, message_id)
            return None
        metadata: Dict[str, Any] = {} if identity is None else {"channel_identity": identity}
        metadata["messenger"] = {"message_id": message_id, "type": kind,
                                 "page_id": obj(event.get("recipient")).get("id"), **extra}
        if identity is None:
            metadata["messenger"]["user_ref"] = sender_id[len(USER_REF_PREFIX):]
        return Inbound(message_id=message_id, sender_id=sender_id, text=text, metadata=metadata,
                       received_at=window.message_time(event.get("timestamp")))
