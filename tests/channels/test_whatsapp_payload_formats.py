"""WhatsApp Cloud API payloads from Meta's documented webhook formats that used
to be dropped or mis-stored: user-id-only senders (usernames roll-out), user id
and group statuses, error webhooks, and types that deserve an answer."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from addons.channels.state import ChannelState
from tests.support import payloads as p
from tests.support.channels import wait_for
from tests.support.channels import logged
from tests.support.channels import send_whatsapp as send


def new_user_id() -> str:
    return "US." + str(uuid.uuid4().int)[:20]


def user_id_message(user_id: str, body: str) -> dict:
    """A customer who adopted a username: no `from`, no `wa_id`."""
    msg = {"from_user_id": user_id, "id": p.unique("wamid.HBgL"),
           "timestamp": str(int(time.time())), "type": "text", "text": {"body": body}}
    return p.wa_envelope({"contacts": [{"profile": {"name": "maya.p"}, "user_id": user_id}],
                          "messages": [msg]})


def test_a_sender_known_only_by_user_id_is_answered_without_a_phone_identity(harness, api):
    user_id = new_user_id()
    assert send(harness, user_id_message(user_id, "where is my order?")).status == 200
    turn = harness.wait_event(sender_id=user_id)
    assert turn["text"] == "where is my order?"
    assert "channel_identity" not in turn["metadata"]
    assert turn["metadata"]["whatsapp"]["user_id"] == user_id
    assert turn["metadata"]["whatsapp"]["profile_name"] == "maya.p"
    reply = wait_for(lambda: [c["json"] for c in api.calls("whatsapp")
                              if c["json"].get("recipient") == user_id], what="the reply")
    assert "to" not in reply[-1] and reply[-1]["text"]["body"] == "echo: where is my order?"


def test_a_sender_with_a_number_keeps_the_phone_identity_next_to_the_user_id(harness):
    wa_id, user_id = p.unique_wa_id(), new_user_id()
    payload = p.wa_text("hello", wa_id=wa_id)
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"] = user_id
    send(harness, payload)
    turn = harness.wait_event(sender_id=f"+{wa_id}")
    assert turn["metadata"]["channel_identity"] == {"type": "phone", "value": f"+{wa_id}"}
    assert turn["metadata"]["whatsapp"]["user_id"] == user_id


def test_statuses_of_user_ids_and_groups_are_stored_as_meta_names_them(harness, local_env):
    user_id, group_id, wa_id = new_user_id(), "Y2FwaV9ncm91cDoxNzA1NTU1", p.unique_wa_id()
    to_user, to_group = p.unique("wamid.OUT"), p.unique("wamid.OUT")
    payload = p.wa_statuses(to_user, wa_id, ["delivered"])
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    del status["recipient_id"]
    status["recipient_user_id"] = user_id
    group = dict(status, id=to_group, recipient_id=group_id, recipient_type="group")
    del group["recipient_user_id"]
    payload["entry"][0]["changes"][0]["value"]["statuses"].append(group)
    assert send(harness, payload).status == 200
    state = ChannelState("whatsapp")
    assert asyncio.run(state.statuses_of(to_user))[0]["recipient_id"] == user_id
    assert asyncio.run(state.statuses_of(to_group))[0]["recipient_id"] == group_id


def test_an_error_webhook_is_logged(harness):
    payload = p.wa_envelope({"errors": [{
        "code": 131045, "title": "Incorrect certificate", "message": "Incorrect certificate",
        "error_data": {"details": "Message failed to send due to a phone number "
                                  "registration error."}}]})
    assert send(harness, payload).status == 200
    wait_for(lambda: logged(harness, "131045: Incorrect certificate"), what="the error logged")


@pytest.mark.parametrize("kind,content,text", [
    ("request_welcome", None, "/greet{}"),
    ("contacts", [{"name": {"formatted_name": "Sam"}, "phones": [{"phone": "+14155550123"}]}],
     "/out_of_scope{}"),
    ("unsupported", None, "/out_of_scope{}"),
])
def test_welcome_requests_contact_cards_and_unsupported_types_get_an_answer(
        harness, api, kind, content, text):
    wa_id = p.unique_wa_id()
    payload = p.wa_message(kind, content, wa_id=wa_id)
    msg = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    if content is None:
        del msg[kind]
    if kind == "unsupported":
        msg["errors"] = [{"code": 131051, "title": "Message type unknown",
                          "message": "Message type unknown",
                          "error_data": {"details": "Message type is currently not supported."}}]
    assert send(harness, payload).status == 200
    turn = harness.wait_event(sender_id=f"+{wa_id}")
    assert turn["text"] == text
    wait_for(lambda: [c for c in api.calls("whatsapp") if c["json"].get("to") == wa_id
                      and c["json"].get("type") == "text"], what="an answer")


def test_a_reaction_is_ignored_on_purpose_and_logged(harness):
    wa_id = p.unique_wa_id()
    reaction = p.wa_message("reaction", {"message_id": "wamid.X", "emoji": "👍"}, wa_id=wa_id)
    assert send(harness, reaction).status == 200
    wait_for(lambda: logged(harness, f"from +{wa_id} acknowledged, not passed to the bot"),
             what="the reaction logged")
    assert not harness.events(sender_id=f"+{wa_id}")
