"""WhatsApp Cloud API webhook: handshake, signatures, message types, replies."""
from __future__ import annotations

import asyncio
import json
import urllib.parse

import pytest

from addons.channels.state import ChannelState
from tests.support import payloads as p
from tests.support.channels import send_whatsapp as send
from tests.support.channels import SECRETS
from tests.support.channels import meta_sign, post_meta, request, wait_for

SECRET = SECRETS["WHATSAPP_APP_SECRET"]


def handshake(harness, **params):
    return request("GET", harness.webhook("whatsapp") + "?" + urllib.parse.urlencode(params))


def bot_message(api, wa_id, predicate=lambda m: True, count=1):
    """The last message our bot sent to `wa_id` through the fake Graph API, once
    `count` such messages were sent."""
    def found():
        sent = [c["json"] for c in api.calls("whatsapp")
                if c["json"].get("to") == wa_id and predicate(c["json"])]
        return sent[-1] if len(sent) >= count else None
    return wait_for(found, what=f"{count} bot message(s) to {wa_id}")


def test_handshake_echoes_challenge_for_the_right_verify_token(harness):
    reply = handshake(harness, **{"hub.mode": "subscribe", "hub.challenge": "1158201444",
                                  "hub.verify_token": SECRETS["WHATSAPP_VERIFY_TOKEN"]})
    assert (reply.status, reply.body) == (200, "1158201444")


@pytest.mark.parametrize("mode,token", [("subscribe", "wrong"), ("unsubscribe",
                                        SECRETS["WHATSAPP_VERIFY_TOKEN"]), ("subscribe", "")])
def test_handshake_is_refused_with_a_wrong_token_or_mode(harness, mode, token):
    reply = handshake(harness, **{"hub.mode": mode, "hub.challenge": "42",
                                  "hub.verify_token": token})
    assert reply.status == 403 and "42" not in reply.body


def test_text_reaches_bot_as_phone_identity_and_reply_is_sent(harness, api):
    wa_id = p.unique_wa_id()
    payload = p.wa_text("where is my order?", wa_id=wa_id)
    message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    assert send(harness, payload).status == 200
    turn = harness.wait_event(message_id=message_id)
    assert turn["sender_id"] == f"+{wa_id}"
    assert turn["input_channel"] == "whatsapp"
    assert turn["text"] == "where is my order?"
    assert turn["metadata"]["channel_identity"] == {"type": "phone", "value": f"+{wa_id}"}
    assert turn["metadata"]["whatsapp"]["message_id"] == message_id
    assert turn["metadata"]["whatsapp"]["profile_name"] == "Maya Patel"

    reply = bot_message(api, wa_id, lambda m: m.get("type") == "text")
    assert reply["text"]["body"] == "echo: where is my order?"
    assert reply["messaging_product"] == "whatsapp"
    read = [c for c in api.calls("whatsapp") if c["json"].get("status") == "read"]
    assert {"messaging_product": "whatsapp", "status": "read",
            "message_id": message_id} in [c["json"] for c in read]
    assert all(c["authorization"] == f"Bearer {SECRETS['WHATSAPP_ACCESS_TOKEN']}"
               and c["path"] == f"/v19.0/{p.PHONE_NUMBER_ID}/messages"
               for c in api.calls("whatsapp"))


@pytest.mark.parametrize("case", ["missing", "wrong_secret", "tampered", "sha1_only"])
def test_bad_signature_is_403_and_nothing_is_processed(harness, api, case):
    wa_id = p.unique_wa_id()
    payload = p.wa_text("forged", wa_id=wa_id)
    body = json.dumps(payload).encode()
    signature = {
        "missing": None,
        "wrong_secret": meta_sign(body, "not-the-secret"),
        "tampered": meta_sign(body.replace(b"forged", b"hello!"), SECRET),
        "sha1_only": "sha1=" + "0" * 40,
    }[case]
    reply = post_meta(harness.webhook("whatsapp"), body, None, signature=signature)
    assert reply.status == 403
    # A later genuine message from the same customer is processed, the forged one never.
    genuine = p.wa_text("genuine", wa_id=wa_id)
    assert send(harness, genuine).status == 200
    harness.wait_event(sender_id=f"+{wa_id}", text="genuine")
    assert not harness.events(sender_id=f"+{wa_id}", text="forged")


def test_button_reply_brings_back_the_payload_of_the_button(harness, api):
    wa_id = p.unique_wa_id()
    send(harness, p.wa_text("buttons 3", wa_id=wa_id))
    sent = bot_message(api, wa_id, lambda m: m.get("type") == "interactive")
    inter = sent["interactive"]
    assert inter["type"] == "button" and inter["body"]["text"] == "Pick one"
    buttons = inter["action"]["buttons"]
    assert [b["reply"]["title"] for b in buttons] == ["Option 1", "Option 2", "Option 3"]

    chosen = buttons[1]["reply"]
    send(harness, p.wa_button_reply(chosen["id"], chosen["title"], wa_id=wa_id))
    turn = harness.wait_event(sender_id=f"+{wa_id}", text='/choose{"n":2}')
    assert turn["metadata"]["whatsapp"]["reply"]["title"] == "Option 2"


def test_four_to_ten_choices_become_a_list_and_list_reply_maps_back(harness, api):
    wa_id = p.unique_wa_id()
    send(harness, p.wa_text("buttons 5", wa_id=wa_id))
    sent = bot_message(api, wa_id, lambda m: m.get("type") == "interactive")
    assert sent["interactive"]["type"] == "list"
    rows = sent["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 5 and all(len(r["title"]) <= 24 for r in rows)
    assert len(sent["interactive"]["action"]["button"]) <= 20

    send(harness, p.wa_list_reply(rows[4]["id"], rows[4]["title"], wa_id=wa_id))
    harness.wait_event(sender_id=f"+{wa_id}", text='/choose{"n":5}')


def test_more_than_ten_choices_are_numbered_and_a_number_or_title_selects(harness, api):
    wa_id = p.unique_wa_id()
    send(harness, p.wa_text("buttons 12", wa_id=wa_id))
    sent = bot_message(api, wa_id, lambda m: "Option 12" in m.get("text", {}).get("body", ""))
    assert "1. Option 1\n" in sent["text"]["body"]

    send(harness, p.wa_text("12", wa_id=wa_id))
    harness.wait_event(sender_id=f"+{wa_id}", text='/choose{"n":12}')
    send(harness, p.wa_text("buttons 12", wa_id=wa_id))
    bot_message(api, wa_id, lambda m: "Option 12" in m.get("text", {}).get("body", ""),
                count=2)
    send(harness, p.wa_text("OPTION 7", wa_id=wa_id))
    harness.wait_event(sender_id=f"+{wa_id}", text='/choose{"n":7}')
    # Choices apply to the next message only: a later "3" is just text.
    send(harness, p.wa_text("3", wa_id=wa_id))
    harness.wait_event(sender_id=f"+{wa_id}", text="3")


def test_location_becomes_share_location_with_coordinates(harness):
    wa_id = p.unique_wa_id()
    send(harness, p.wa_location(wa_id=wa_id))
    turn = harness.wait_event(sender_id=f"+{wa_id}")
    assert turn["text"] == '/share_location{"latitude":37.7936,"longitude":-122.3958}'
    assert turn["metadata"]["whatsapp"]["location"]["name"] == "Ferry Building"


@pytest.mark.parametrize("caption,text", [("my lamp arrived broken", "my lamp arrived broken"),
                                          (None, '/share_media{"media_type":"image"}')])
def test_image_passes_media_id_and_caption_or_placeholder(harness, caption, text):
    wa_id = p.unique_wa_id()
    send(harness, p.wa_image(caption, wa_id=wa_id))
    turn = harness.wait_event(sender_id=f"+{wa_id}")
    assert turn["text"] == text
    media = turn["metadata"]["whatsapp"]["media"]
    assert (media["type"], media["id"], media["mime_type"]) == (
        "image", "1479537139650973", "image/jpeg")


def test_statuses_are_recorded_and_never_reach_the_bot(harness, local_env):
    wa_id = p.unique_wa_id()
    out_id = p.unique("wamid.OUT")
    reply = send(harness, p.wa_statuses(out_id, wa_id, ["sent", "delivered", "read"]))
    assert reply.status == 200
    send(harness, p.wa_statuses(out_id, wa_id, ["delivered"]))  # a retry: no new row
    failed_id = p.unique("wamid.OUT")
    send(harness, p.wa_statuses(failed_id, wa_id, ["failed"]))

    state = ChannelState("whatsapp")
    rows = asyncio.run(state.statuses_of(out_id))
    assert [r["status"] for r in rows] == ["sent", "delivered", "read"]
    assert rows[0]["recipient_id"] == f"+{wa_id}"
    failed = asyncio.run(state.statuses_of(failed_id))
    assert failed[0]["status"] == "failed" and failed[0]["error"].startswith("131047")
    assert not harness.events(sender_id=f"+{wa_id}")


def test_unknown_message_type_is_acknowledged_and_not_processed(harness):
    wa_id = p.unique_wa_id()
    reaction = p.wa_message("reaction", {"message_id": "wamid.X", "emoji": "👍"},
                            wa_id=wa_id)
    assert send(harness, reaction).status == 200
    send(harness, p.wa_text("after the reaction", wa_id=wa_id))
    harness.wait_event(sender_id=f"+{wa_id}", text="after the reaction")
    assert len(harness.events(sender_id=f"+{wa_id}")) == 1


def test_message_for_another_phone_number_is_ignored(harness):
    wa_id = p.unique_wa_id()
    payload = p.wa_text("not for us", wa_id=wa_id)
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert send(harness, payload).status == 200
    send(harness, p.wa_text("for us", wa_id=wa_id))
    harness.wait_event(sender_id=f"+{wa_id}", text="for us")
    assert not harness.events(sender_id=f"+{wa_id}", text="not for us")
