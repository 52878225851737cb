"""Ack at once, process once: retries (also across restarts) and crash recovery."""
from __future__ import annotations

import os
import signal
import time

from tests.support import payloads as p
from tests.support.channels import SECRETS, channel_env, start_harness
from tests.support.channels import post_meta

WA_SECRET = SECRETS["WHATSAPP_APP_SECRET"]
FB_SECRET = SECRETS["MESSENGER_APP_SECRET"]


def send_wa(harness, payload):
    return post_meta(harness.webhook("whatsapp"), payload, WA_SECRET)


def test_slow_turn_is_acknowledged_at_once_and_others_are_not_held_up(harness):
    slow_customer, other = p.unique_wa_id(), p.unique_wa_id()
    reply = send_wa(harness, p.wa_text("slow 3", wa_id=slow_customer))
    assert reply.status == 200 and reply.seconds < 1.0
    harness.wait_event(sender_id=f"+{slow_customer}")

    send_wa(harness, p.wa_text("quick", wa_id=other))
    harness.wait_event("done", timeout=2, sender_id=f"+{other}")
    assert not harness.events("done", sender_id=f"+{slow_customer}")
    harness.wait_event("done", timeout=10, sender_id=f"+{slow_customer}")


def test_same_whatsapp_message_delivered_twice_is_processed_once(harness):
    wa_id = p.unique_wa_id()
    payload = p.wa_text("deliver me twice", wa_id=wa_id)
    assert send_wa(harness, payload).status == 200
    assert send_wa(harness, payload).status == 200
    send_wa(harness, p.wa_text("next", wa_id=wa_id))
    harness.wait_event(sender_id=f"+{wa_id}", text="next")
    assert [e["text"] for e in harness.events(sender_id=f"+{wa_id}")] == [
        "deliver me twice", "next"]


def test_same_messenger_mid_delivered_twice_is_processed_once(harness):
    psid = "66" + p.unique_wa_id()
    payload = p.fb_text("twice", psid=psid)
    for _ in range(2):
        assert post_meta(harness.webhook("messenger"), payload, FB_SECRET).status == 200
    post_meta(harness.webhook("messenger"), p.fb_text("next", psid=psid), FB_SECRET)
    harness.wait_event(sender_id=psid, text="next")
    assert [e["text"] for e in harness.events(sender_id=psid)] == ["twice", "next"]


def test_retry_after_a_restart_is_not_processed_again(fake_api, tmp_path):
    env = channel_env(fake_api.url, tmp_path)
    wa_id = p.unique_wa_id()
    payload = p.wa_text("before restart", wa_id=wa_id)

    first = start_harness(env, tmp_path)
    try:
        send_wa(first, payload)
        first.wait_event("done", sender_id=f"+{wa_id}")
    finally:
        first.server.stop()

    second = start_harness(env, tmp_path)
    try:
        assert send_wa(second, payload).status == 200  # Meta's retry: acked...
        send_wa(second, p.wa_text("after restart", wa_id=wa_id))
        second.wait_event(sender_id=f"+{wa_id}", text="after restart")
        # ...but not processed a second time
        assert [e["text"] for e in second.events(sender_id=f"+{wa_id}")] == [
            "before restart", "after restart"]
    finally:
        second.server.stop()


def test_message_left_unprocessed_by_a_crash_is_processed_after_restart(fake_api, tmp_path):
    env = channel_env(fake_api.url, tmp_path, CHANNEL_CLAIM_LEASE_SECONDS="1",
                      CHANNEL_RECOVERY_INTERVAL_SECONDS="0.5")
    wa_id = p.unique_wa_id()
    payload = p.wa_text("slow 30", wa_id=wa_id)
    message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    crashed = start_harness(env, tmp_path)
    send_wa(crashed, payload)
    started = crashed.wait_event(message_id=message_id)
    os.killpg(crashed.server.proc.pid, signal.SIGKILL)  # mid-turn, no clean shutdown
    crashed.server.proc.wait(5)

    restarted = start_harness(dict(env, HARNESS_MAX_DELAY="0"), tmp_path)
    try:
        done = restarted.wait_event("done", timeout=15, message_id=message_id)
        assert done["pid"] != started["pid"]
        assert done["text"] == "slow 30" and done["sender_id"] == f"+{wa_id}"
        # the recovered turn answers the customer through a fresh output channel
        assert [c for c in fake_api.calls("whatsapp") if c["json"].get("to") == wa_id
                and c["json"].get("text", {}).get("body") == "echo: slow 30"]
        time.sleep(1.5)  # later sweeps must not run it again
        assert len(restarted.events("done", message_id=message_id)) == 1
    finally:
        restarted.server.stop()

