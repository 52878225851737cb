"""Webhook bodies shaped like Meta's and Twilio's documented examples.

WhatsApp: developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
Messenger: developers.facebook.com/docs/messenger-platform/webhooks
Twilio:    twilio.com/docs/messaging/guides/webhook-request
"""
from __future__ import annotations

import itertools
import time
import uuid
from typing import Any, Dict, List, Optional

PHONE_NUMBER_ID = "100000000000001"
DISPLAY_NUMBER = "15550001111"
MAYA_WA_ID = "14155550101"
MAYA_PSID = "6600000000000001"
PAGE_ID = "1200000000000099"
TWILIO_SID = "ACtest0000000000000000000000000000"
TWILIO_NUMBER = "+14155238886"
_n = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def unique_wa_id() -> str:
    """A fresh customer number per test keeps tests independent."""
    return f"1415{next(_n):03d}{uuid.uuid4().int % 10000:04d}"


# --- WhatsApp Cloud API ---------------------------------------------------------
def wa_envelope(value: Dict[str, Any]) -> Dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": DISPLAY_NUMBER,
                         "phone_number_id": PHONE_NUMBER_ID},
            **value}, "field": "messages"}]}]}


def wa_message(kind: str, content: Dict[str, Any], wa_id: str = MAYA_WA_ID,
               message_id: Optional[str] = None, name: str = "Maya Patel",
               timestamp: Optional[int] = None) -> Dict[str, Any]:
    msg = {"from": wa_id, "id": message_id or unique("wamid.HBgL"),
           "timestamp": str(timestamp or int(time.time())), "type": kind, kind: content}
    return wa_envelope({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                        "messages": [msg]})


def wa_text(body: str, **kw: Any) -> Dict[str, Any]:
    return wa_message("text", {"body": body}, **kw)


def wa_button_reply(button_id: str, title: str, **kw: Any) -> Dict[str, Any]:
    return wa_message("interactive", {"type": "button_reply", "button_reply": {
        "id": button_id, "title": title}}, **kw)


def wa_list_reply(row_id: str, title: str, **kw: Any) -> Dict[str, Any]:
    return wa_message("interactive", {"type": "list_reply", "list_reply": {
        "id": row_id, "title": title, "description": ""}}, **kw)


def wa_location(**kw: Any) -> Dict[str, Any]:
    return wa_message("location", {"latitude": 37.7936, "longitude": -122.3958,
                                   "name": "Ferry Building",
                                   "address": "1 Ferry Building, San Francisco"}, **kw)


def wa_image(caption: Optional[str] = None, **kw: Any) -> Dict[str, Any]:
    image = {"mime_type": "image/jpeg", "sha256": "3a5f0c2a9b", "id": "1479537139650973"}
    if caption:
        image["caption"] = caption
    return wa_message("image", image, **kw)


def wa_statuses(message_id: str, wa_id: str, names: List[str]) -> Dict[str, Any]:
    statuses = []
    for name in names:
        status = {"id": message_id, "status": name, "timestamp": str(int(time.time())),
                  "recipient_id": wa_id}
        if name == "failed":
            status["errors"] = [{"code": 131047, "title": "Re-engagement message",
                                 "message": "Re-engagement message", "error_data": {
                                     "details": "Message failed to send because more "
                                                "than 24 hours have passed since the "
                                                "customer last replied to this number."}}]
        else:
            status["conversation"] = {"id": "CONVERSATION_ID", "origin": {"type": "service"}}
            status["pricing"] = {"billable": True, "pricing_model": "CBP",
                                 "category": "service"}
        statuses.append(status)
    return wa_envelope({"statuses": statuses})


# --- Messenger -------------------------------------------------------------------
def fb_envelope(*events: Dict[str, Any]) -> Dict[str, Any]:
    now = int(time.time() * 1000)
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now,
                                         "messaging": list(events)}]}


def fb_event(psid: str = MAYA_PSID, **body: Any) -> Dict[str, Any]:
    return {"sender": {"id": psid}, "recipient": {"id": PAGE_ID},
            "timestamp": int(time.time() * 1000), **body}


def fb_text(text: str, psid: str = MAYA_PSID, mid: Optional[str] = None) -> Dict[str, Any]:
    return fb_envelope(fb_event(psid, message={"mid": mid or unique("m_"), "text": text}))


def fb_quick_reply(title: str, payload: str, psid: str = MAYA_PSID) -> Dict[str, Any]:
    return fb_envelope(fb_event(psid, message={
        "mid": unique("m_"), "text": title, "quick_reply": {"payload": payload}}))


def fb_postback(title: str, payload: str, psid: str = MAYA_PSID) -> Dict[str, Any]:
    return fb_envelope(fb_event(psid, postback={
        "mid": unique("m_"), "title": title, "payload": payload}))


def fb_echo(text: str, psid: str = MAYA_PSID) -> Dict[str, Any]:
    event = {"sender": {"id": PAGE_ID}, "recipient": {"id": psid},
             "timestamp": int(time.time() * 1000),
             "message": {"is_echo": True, "app_id": 1517776481860111,
                         "mid": unique("m_"), "text": text}}
    return fb_envelope(event)


def fb_delivery(psid: str = MAYA_PSID) -> Dict[str, Any]:
    return fb_envelope(fb_event(psid, delivery={
        "mids": [unique("m_")], "watermark": int(time.time() * 1000)}))


def fb_read(psid: str = MAYA_PSID) -> Dict[str, Any]:
    return fb_envelope(fb_event(psid, read={"watermark": int(time.time() * 1000)}))


def fb_image(psid: str = MAYA_PSID) -> Dict[str, Any]:
    return fb_envelope(fb_event(psid, message={"mid": unique("m_"), "attachments": [
        {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/photo.jpg"}}]}))


# --- Twilio WhatsApp -------------------------------------------------------------
def tw_message(body: str, phone: str = "+" + MAYA_WA_ID, sid: Optional[str] = None,
               **extra: str) -> Dict[str, str]:
    sid = sid or unique("SM") + "0" * 16
    form = {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Maya Patel",
            "MessageType": "text", "SmsSid": sid, "WaId": phone.lstrip("+"),
            "SmsStatus": "received", "Body": body, "To": f"whatsapp:{TWILIO_NUMBER}",
            "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
            "AccountSid": TWILIO_SID, "From": f"whatsapp:{phone}",
            "ApiVersion": "2010-04-01"}
    form.update(extra)
    return form


def tw_status(sid: str, status: str, phone: str = "+" + MAYA_WA_ID, **extra: str
              ) -> Dict[str, str]:
    form = {"ChannelPrefix": "whatsapp", "ApiVersion": "2010-04-01",
            "MessageStatus": status, "SmsSid": sid, "SmsStatus": status,
            "ChannelInstallSid": "XEtest", "To": f"whatsapp:{phone}",
            "From": f"whatsapp:{TWILIO_NUMBER}", "MessageSid": sid,
            "AccountSid": TWILIO_SID, "ChannelToAddress": phone}
    form.update(extra)
    return form


def new_psid() -> str:
    """A Messenger page-scoped id no other test uses."""
    return "66" + str(uuid.uuid4().int)[:14]
