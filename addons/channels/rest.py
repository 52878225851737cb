"""The REST channel (`POST /webhooks/rest/webhook`), replacing Rasa's own.

Rasa's REST channel passes the caller's `metadata` and `input_channel` to the
bot and lets a missing sender share one "default" conversation. Anyone can
call this webhook, so here:
- `sender` is required (400 otherwise) and namespaced ("rest:<sender>",
  addons/channels/conversations.py), so it never names another channel's
  conversation;
- `metadata` and `input_channel` from the caller are ignored: a customer's
  identity only ever comes from a signature-verified channel;
- a message over MAX_MESSAGE_CHARS is answered with a clear reply before the
  NLU reads it, and bodies over Rasa's Sanic request limit never reach here.
Replies are the JSON list Rasa's REST channel returns.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Tuple, Union

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.channels.conversations import (TOO_LONG, addressed, max_message_chars, namespaced,
                                           sender_problem)

logger = logging.getLogger(__name__)

SORRY = ("Sorry, something went wrong on our side and I couldn't answer that. Please try "
         "again in a moment, or ask for a person.")


def bad_request(channel: str, request: Request, reason: str) -> HTTPResponse:
    logger.warning("%s webhook: 400 from %s: %s", channel, request.ip, reason)
    return response.json({"error": reason}, status=400)


def read_message(channel: str, request: Request) -> Union[HTTPResponse, Tuple[str, str]]:
    """(sender, text) from a JSON body, or the 400 response saying what is wrong."""
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return bad_request(channel, request, "the body must be a JSON object")
    if not isinstance(body, dict):
        return bad_request(channel, request, "the body must be a JSON object")
    problem = sender_problem(body.get("sender"))
    if problem:
        return bad_request(channel, request, problem)
    if not isinstance(body.get("message"), str):
        return bad_request(channel, request, "'message' is required: the customer's text")
    if "metadata" in body or "input_channel" in body:
        logger.info("%s webhook: ignored the caller's metadata/input_channel", channel)
    return body["sender"], body["message"]


def too_long(channel: str, text: str) -> bool:
    if len(text) <= max_message_chars():
        return False
    logger.warning("%s: message of %d characters refused before NLU (limit %d)",
                   channel, len(text), max_message_chars())
    return True


Handler = Callable[[str, str], Awaitable[HTTPResponse]]


def webhook_blueprint(channel: str, handle: Handler) -> Blueprint:
    """GET / (health) and POST /webhook, which reads the message (400 when
    malformed) and hands (sender, text) to `handle`."""
    bp = Blueprint(f"harbor_{channel}_webhook", __name__)

    @bp.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @bp.route("/webhook", methods=["POST"])
    async def receive(request: Request) -> HTTPResponse:
        parsed = read_message(channel, request)
        return parsed if isinstance(parsed, HTTPResponse) else await handle(*parsed)

    return bp


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(sender: str, text: str) -> HTTPResponse:
            if too_long(self.name(), text):
                return response.json([{"recipient_id": sender,
                                       "text": TOO_LONG.format(limit=max_message_chars())}])
            collector = CollectingOutputChannel()
            conversation = namespaced(self.name(), sender)
            try:
                await on_new_message(UserMessage(text, collector, conversation,
                                                 input_channel=self.name()))
            except (Exception, asyncio.CancelledError):  # never a stack trace to the customer
                logger.exception("rest: turn for %s failed", conversation)
                collector.messages.append({"recipient_id": conversation, "text": SORRY})
            return response.json([addressed(self.name(), m) for m in collector.messages])

        return webhook_blueprint(self.name(), handle)
