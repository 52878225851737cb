"""A small Sanic server that mounts the channels exactly as `rasa run` does
(credentials.yml read with Rasa's reader, blueprints registered with Rasa's
`register` under /webhooks/), with a stand-in agent instead of a model:

- every message is appended to HARNESS_LOG (JSON lines: "start", then "done");
- the "bot" answers through the real output channel: "buttons N" → N buttons
  (payload /choose{"n":i}), "image" → an image, "slow S" → waits S seconds
  (at most HARNESS_MAX_DELAY) first, anything else → "echo: <text>".

    python -m tests.support.channel_harness --port 8000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any, Dict

from rasa.core.channels.channel import UserMessage, register
from rasa.shared.utils.common import class_from_module_path
from rasa.shared.utils.io import read_config_file
from sanic import Sanic

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = ("whatsapp", "twilio_whatsapp", "messenger")


def _log(event: str, message: UserMessage) -> None:
    line = {"event": event, "sender_id": message.sender_id, "text": message.text,
            "message_id": message.message_id, "input_channel": message.input_channel,
            "metadata": message.metadata, "pid": os.getpid()}
    with open(os.environ["HARNESS_LOG"], "a") as f:
        f.write(json.dumps(line) + "\n")


class EchoAgent:
    """Duck-types rasa.core.agent.Agent.handle_message for channel.register."""

    async def handle_message(self, message: UserMessage) -> None:
        _log("start", message)
        out, text, who = message.output_channel, message.text or "", message.sender_id
        if text.startswith("slow "):
            cap = float(os.environ.get("HARNESS_MAX_DELAY") or 60)
            await asyncio.sleep(min(float(text.split()[1]), cap))
        if text.startswith("buttons "):
            buttons = [{"title": f"Option {i}", "payload": f'/choose{{"n":{i}}}'}
                       for i in range(1, int(text.split()[1]) + 1)]
            await out.send_text_with_buttons(who, "Pick one", buttons)
        elif text == "image":
            await out.send_image_url(who, "https://example.com/label.png")
        else:
            await out.send_text_message(who, f"echo: {text}")
        _log("done", message)


def input_channels() -> list:
    """Our channels from credentials.yml, loaded the way rasa.core.run does."""
    credentials: Dict[str, Any] = read_config_file(str(ROOT / "credentials.yml"))
    return [class_from_module_path(path).from_credentials(creds)
            for path, creds in credentials.items()
            if path.startswith("addons.channels.")]


def make_app() -> Sanic:
    app = Sanic("channel_harness")
    app.ctx.agent = EchoAgent()
    channels = input_channels()
    assert set(CHANNELS) <= {c.name() for c in channels}, channels
    register(channels, app, route="/webhooks/")
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    make_app().run(host="127.0.0.1", port=parser.parse_args().port, access_log=False)
