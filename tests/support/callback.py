"""A customer on Rasa's callback channel, for end-to-end tests: messages go in
over HTTP, replies arrive at CALLBACK_URL (the fake Meta API records them)."""
from __future__ import annotations

import json
import urllib.request
from typing import List

from tests.support.channels import wait_for
from tests.support.inbox import call


def callback_texts(fake_meta, sender: str) -> List[str]:
    """What the callback-channel customer has received, in order."""
    calls = json.load(urllib.request.urlopen(f"{fake_meta.url}/_fake/requests"))
    return [c["json"].get("text") or "" for c in calls
            if c["api"] == "callback" and (c.get("json") or {}).get("recipient_id") == sender]


def tap(fake_meta, rasa, sender: str, title: str) -> None:
    """What the callback customer's app sends on tapping the newest button `title`."""
    calls = json.load(urllib.request.urlopen(f"{fake_meta.url}/_fake/requests"))
    buttons = {}
    for c in calls:
        body = c.get("json") or {}
        if c["api"] == "callback" and body.get("recipient_id") == sender:
            buttons.update({b["title"]: b["payload"] for b in body.get("buttons") or []})
    assert title in buttons, f"no button {title!r} among {list(buttons)}"
    customer_says(rasa, sender, buttons[title])


def customer_says(rasa, sender: str, text: str) -> None:
    """The callback channel answers "success" at once; replies come to CALLBACK_URL."""
    request = urllib.request.Request(f"{rasa.url}/webhooks/callback/webhook",
                                     data=json.dumps({"sender": sender, "message": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def wait_for_reply(fake_meta, sender: str, count_before: int, contains: str = "", timeout=60) -> str:
    """The newest reply after the first `count_before` that contains `contains`."""
    def new_reply():
        texts = callback_texts(fake_meta, sender)[count_before:]
        return [t for t in texts if contains.lower() in t.lower()]
    return wait_for(new_reply, timeout=timeout, what=f"a reply containing {contains!r}")[-1]


def handoff_of(inbox, token: str, sender: str, status: str = "waiting"):
    """The inbox's handoff of this callback customer, or None."""
    _, body = call("GET", f"{inbox.url}/api/handoffs?status={status}", token=token)
    # The conversation id is namespaced by its channel (addons/channels/conversations.py).
    return next((h for h in body["handoffs"] if h["sender_id"] == f"callback:{sender}"), None)
