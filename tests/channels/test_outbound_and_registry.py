"""Output channels and the inbox registry against the fake Graph/Twilio API:
rendering, retries, error reporting, messaging windows, human-agent sends."""
from __future__ import annotations

import time

import pytest

from addons.channels import registry
from addons.channels.state import ChannelState
from addons.channels.whatsapp import WhatsAppConfig, WhatsAppOutput
from tests.support import payloads as p
from tests.support.channels import SECRETS
from tests.support.channels import post_meta

HOUR = 3600.0


async def customer(channel: str, hours_ago: float = 0.0) -> str:
    """A fresh customer whose last message was `hours_ago` hours ago."""
    who = ("66" + p.unique_wa_id()) if channel == "messenger" else "+" + p.unique_wa_id()
    await ChannelState(channel).touch_window(who, time.time() - hours_ago * HOUR)
    return who


def graph_bodies(api, to: str):
    return [c["json"] for c in api.calls("whatsapp") if c["json"].get("to") == to]


# --- WhatsApp: rendering --------------------------------------------------------
async def test_long_titles_are_truncated_and_long_payload_round_trips(local_env, api,
                                                                      harness):
    who = await customer("whatsapp")
    long_payload = '/pick_order{"order_id":"' + "H" * 300 + '"}'
    out = WhatsAppOutput(WhatsAppConfig.load())
    result = await out.send_text_with_buttons(who, "Which one?", [
        {"title": "Track my most recent order", "payload": "/track"},
        {"title": "Other", "payload": long_payload}])
    assert result["sent"] and result["message_id"].startswith("wamid.")

    buttons = graph_bodies(api, who[1:])[-1]["interactive"]["action"]["buttons"]
    assert buttons[0]["reply"] == {"id": "/track", "title": "Track my most recen…"}
    assert len(buttons[0]["reply"]["title"]) <= 20 and len(buttons[1]["reply"]["id"]) <= 256

    post_meta(harness.webhook("whatsapp"), p.wa_button_reply(
        buttons[1]["reply"]["id"], "Other", wa_id=who[1:]), SECRETS["WHATSAPP_APP_SECRET"])
    harness.wait_event(sender_id=who, text=long_payload)


async def test_repeated_payloads_get_distinct_ids_that_map_back(local_env, api, harness):
    who = await customer("whatsapp")
    await WhatsAppOutput(WhatsAppConfig.load()).send_text_with_buttons(who, "Sure?", [
        {"title": "Yes", "payload": "/affirm"}, {"title": "Yes, please", "payload": "/affirm"}])
    ids = [b["reply"]["id"] for b in
           graph_bodies(api, who[1:])[-1]["interactive"]["action"]["buttons"]]
    assert ids[0] == "/affirm" and ids[1] != "/affirm"
    post_meta(harness.webhook("whatsapp"), p.wa_button_reply(ids[1], "Yes, please",
              wa_id=who[1:]), SECRETS["WHATSAPP_APP_SECRET"])
    harness.wait_event(sender_id=who, text="/affirm")


async def test_titles_equal_after_truncation_fall_back_to_a_list(local_env, api):
    who = await customer("whatsapp")
    out = WhatsAppOutput(WhatsAppConfig.load())
    await out.send_text_with_buttons(who, "Which order?", [
        {"title": "Order H1001 placed Monday", "payload": "/a"},
        {"title": "Order H1001 placed Tuesday", "payload": "/b"}])
    inter = graph_bodies(api, who[1:])[-1]["interactive"]
    assert inter["type"] == "list"
    rows = inter["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == ["Order H1001 placed Mond…",
                                            "Order H1001 placed Tues…"]
    assert rows[0]["description"] == "Order H1001 placed Monday"


async def test_long_text_is_split_within_limits(local_env, api):
    who = await customer("whatsapp")
    out = WhatsAppOutput(WhatsAppConfig.load())
    await out.send_text_message(who, ("word " * 1000).strip())          # 4999 chars
    await out.send_text_with_buttons(who, "a " * 700, [{"title": "OK", "payload": "/ok"}])
    bodies = graph_bodies(api, who[1:])
    texts = [b["text"]["body"] for b in bodies if b["type"] == "text"]
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)
    assert len(bodies[-1]["interactive"]["body"]["text"]) <= 1024


async def test_image_is_sent_by_link(local_env, api):
    who = await customer("whatsapp")
    await WhatsAppOutput(WhatsAppConfig.load()).send_image_url(who, "https://x.test/a.png")
    assert graph_bodies(api, who[1:])[-1]["image"] == {"link": "https://x.test/a.png"}


# --- WhatsApp: retries and errors -----------------------------------------------
async def test_429_and_500_are_retried_until_the_send_succeeds(local_env, api):
    who = await customer("whatsapp")
    api.fail(429, 1)
    api.fail(500, 1)
    result = await registry.send_agent_text("whatsapp", who, "sorry for the wait")
    assert result["sent"] is True
    assert [c["answered"] for c in api.calls("whatsapp")] == [429, 500, 200]


async def test_persistent_5xx_gives_up_after_three_tries_with_the_api_error(local_env, api):
    who = await customer("whatsapp")
    api.fail(503, 5)
    result = await registry.send_agent_text("whatsapp", who, "hello?")
    assert result["sent"] is False and "fake failure 503" in result["error"]
    assert len(api.calls("whatsapp")) == 3


async def test_auth_error_is_not_retried_and_reported(local_env, api, monkeypatch):
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "expired-token")
    who = await customer("whatsapp")
    result = await registry.send_agent_text("whatsapp", who, "hello")
    assert result == {"sent": False, "status": 401, "message_id": None, "fallback": None,
                      "error": "401: Invalid OAuth access token. (code 401)"}
    assert len(api.calls("whatsapp")) == 1


async def test_failed_send_during_a_turn_does_not_break_the_next_message(harness, api):
    wa_id = p.unique_wa_id()
    api.fail(500, 10, api="whatsapp")
    post_meta(harness.webhook("whatsapp"), p.wa_text("first", wa_id=wa_id),
              SECRETS["WHATSAPP_APP_SECRET"])
    harness.wait_event("done", sender_id=f"+{wa_id}", text="first")
    api.reset()
    post_meta(harness.webhook("whatsapp"), p.wa_text("second", wa_id=wa_id),
              SECRETS["WHATSAPP_APP_SECRET"])
    harness.wait_event("done", sender_id=f"+{wa_id}", text="second")
    assert [b["text"]["body"] for b in graph_bodies(api, wa_id) if b["type"] == "text"] == [
        "echo: second"]


# --- WhatsApp: the 24-hour window -----------------------------------------------
async def test_whatsapp_window_status_open_then_closed(local_env):
    fresh, stale = await customer("whatsapp", 1), await customer("whatsapp", 25)
    assert (await registry.window_status("whatsapp", fresh))["open"] is True
    closed = await registry.window_status("whatsapp", stale)
    assert closed["open"] is False and closed["fallback"] is None
    assert closed["closes_at"] < time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    never = await registry.window_status("whatsapp", "+10000000000")
    assert never == {"open": False, "closes_at": None, "fallback": None}


async def test_closed_window_without_template_refuses_and_says_so(local_env, api):
    who = await customer("whatsapp", 25)
    result = await registry.send_agent_text("whatsapp", who, "are you still there?")
    assert result["sent"] is False and result["error"] == "window_closed"
    assert api.calls("whatsapp") == []


async def test_closed_window_with_template_sends_the_template_instead(local_env, api,
                                                                     monkeypatch):
    monkeypatch.setenv("WHATSAPP_TEMPLATE_NAME", "harbor_follow_up")
    monkeypatch.setenv("WHATSAPP_TEMPLATE_LANG", "en_GB")
    who = await customer("whatsapp", 30)
    assert (await registry.window_status("whatsapp", who))["fallback"] == "template"
    result = await registry.send_agent_text("whatsapp", who, "your refund was issued")
    assert result["sent"] is False and result["fallback"] == "template"
    [body] = graph_bodies(api, who[1:])
    assert body["type"] == "template"
    assert body["template"] == {"name": "harbor_follow_up", "language": {"code": "en_GB"}}


# --- Messenger ------------------------------------------------------------------
async def test_messenger_agent_reply_inside_24h_is_a_plain_response(local_env, api):
    psid = await customer("messenger", 2)
    result = await registry.send_agent_text("messenger", psid, "Hi, Sam here")
    assert result["sent"] and result["fallback"] is None
    body = api.calls("messenger")[-1]["json"]
    assert body == {"recipient": {"id": psid}, "messaging_type": "RESPONSE",
                    "message": {"text": "Hi, Sam here"}}


async def test_messenger_agent_reply_after_24h_uses_human_agent_tag(local_env, api):
    psid = await customer("messenger", 48)
    status = await registry.window_status("messenger", psid)
    assert status["open"] is False and status["fallback"] == "human_agent_tag"
    result = await registry.send_agent_text("messenger", psid, "Following up")
    assert result["sent"] and result["fallback"] == "human_agent_tag"
    body = api.calls("messenger")[-1]["json"]
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_messenger_refuses_bot_after_24h_and_agents_after_7_days(local_env, api):
    two_days, eight_days = await customer("messenger", 48), await customer("messenger", 192)
    bot = registry.output_channel_for("messenger")
    assert (await bot.send_text_message(two_days, "bot"))["error"] == "window_closed"
    late = await registry.send_agent_text("messenger", eight_days, "too late")
    assert late["sent"] is False and late["error"] == "window_closed"
    assert (await registry.window_status("messenger", eight_days))["fallback"] is None
    assert api.calls("messenger") == []


# --- Twilio, callback, rest -------------------------------------------------------
async def test_twilio_agent_reply_inside_window_and_refusal_outside(local_env, api):
    fresh, stale = await customer("twilio_whatsapp", 1), await customer("twilio_whatsapp", 26)
    ok = await registry.send_agent_text("twilio_whatsapp", fresh, "Hi from an agent")
    assert ok["sent"] and ok["message_id"].startswith("SM")
    form = api.calls("twilio")[-1]["form"]
    assert (form["To"], form["Body"]) == (f"whatsapp:{fresh}", "Hi from an agent")
    refused = await registry.send_agent_text("twilio_whatsapp", stale, "late")
    assert refused["error"] == "window_closed" and len(api.calls("twilio")) == 1


async def test_callback_channel_posts_the_reply_and_reports_failure(local_env, api,
                                                                    monkeypatch):
    result = await registry.send_agent_text("callback", "web-user-1", "Hello there")
    assert result["sent"] is True
    assert api.calls("callback")[-1]["json"] == {"recipient_id": "web-user-1",
                                                 "text": "Hello there"}
    assert (await registry.window_status("callback", "web-user-1"))["open"] is True

    monkeypatch.setenv("CALLBACK_URL", "http://127.0.0.1:9/nothing-listens")
    down = await registry.send_agent_text("callback", "web-user-1", "Hello?")
    assert down["sent"] is False and "network error" in down["error"]


@pytest.mark.parametrize("name", ["rest", "telegram"])
async def test_channels_that_cannot_push_get_no_output_channel(local_env, name):
    assert registry.output_channel_for(name) is None
    result = await registry.send_agent_text(name, "someone", "hi")
    assert result["sent"] is False and "cannot push" in result["error"]
    assert (await registry.window_status(name, "someone"))["open"] is False
