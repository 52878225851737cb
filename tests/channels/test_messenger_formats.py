"""Messenger deliveries that used to be dropped: stickers, several attachments,
and postbacks from a `user_ref` (chat plugin / checkbox users without a PSID)."""
from __future__ import annotations

import time
import uuid

from tests.support import payloads as p
from tests.support.channels import wait_for
from tests.support.channels import send_messenger as send
from tests.support.payloads import new_psid


def attachments_message(psid: str, *attachments: dict) -> dict:
    return p.fb_envelope(p.fb_event(psid, message={"mid": p.unique("m_"),
                                                   "attachments": list(attachments)}))


def test_a_sticker_reaches_the_bot_as_shared_media(harness):
    psid = new_psid()
    send(harness, attachments_message(psid, {"type": "sticker", "payload": {
        "url": "https://scontent.xx.fbcdn.net/v/sticker.png", "sticker_id": 369239263222822}}))
    turn = harness.wait_event(sender_id=psid)
    assert turn["text"] == '/share_media{"media_type":"sticker"}'


def test_several_attachments_are_read_past_one_the_bot_cannot_read(harness):
    psid = new_psid()
    unknown = {"type": "fallback", "payload": {"url": "https://example.com/shared-post"}}
    image = {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/1.jpg"}}
    send(harness, attachments_message(psid, unknown, image, dict(image)))
    turn = harness.wait_event(sender_id=psid)
    assert turn["text"] == '/share_media{"media_type":"image"}'
    assert len(turn["metadata"]["messenger"]["attachments"]) == 3


def test_a_postback_from_a_user_ref_is_answered_without_a_psid_identity(harness, api):
    user_ref = "UR" + uuid.uuid4().hex[:12]
    event = {"sender": {"user_ref": user_ref}, "recipient": {"id": p.PAGE_ID},
             "timestamp": int(time.time() * 1000),
             "postback": {"title": "Get started", "payload": "/greet"}}
    assert send(harness, p.fb_envelope(event)).status == 200
    turn = harness.wait_event(sender_id=f"user_ref:{user_ref}")
    assert turn["text"] == "/greet"
    assert "channel_identity" not in turn["metadata"]
    assert turn["metadata"]["messenger"]["user_ref"] == user_ref
    reply = wait_for(lambda: [c["json"] for c in api.calls("messenger")
                              if c["json"]["recipient"] == {"user_ref": user_ref}
                              and "message" in c["json"]], what="the reply")
    assert reply[-1]["message"] == {"text": "echo: /greet"}
