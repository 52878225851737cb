"""Ack-first message intake: record durably, answer the webhook, process later.

Meta and Twilio retry a webhook that is not answered within seconds, and a
Rasa turn (actions, backends) can take longer. So the webhook only records
each message (unique per message id: a retry is recognised, even after a
restart) and answers 200; the turn runs in a background task. A message is
marked processed only after its turn; messages left unprocessed by a crash
are picked up by a sweeper (at startup and then periodically) once their
claim is older than the lease. Delivery is therefore at-least-once per turn,
exactly-once per webhook retry.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Set, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage

from addons.channels.config import env_float, env_int
from addons.channels.conversations import max_message_chars
from addons.channels.state import ChannelState, Inbound

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
BeforeTurn = Callable[[Inbound], Awaitable[Any]]


class Intake:
    """One per channel blueprint; owns its background tasks and the sweeper."""

    def __init__(self, channel: str, state: ChannelState, on_new_message: OnNewMessage,
                 output_for: Callable[[], OutputChannel],
                 before_turn: Optional[BeforeTurn] = None) -> None:
        self.channel = channel
        self.state = state
        self.on_new_message = on_new_message
        self.output_for = output_for
        self.before_turn = before_turn
        self.lease = env_float("CHANNEL_CLAIM_LEASE_SECONDS", 120)
        self.max_attempts = env_int("CHANNEL_MAX_ATTEMPTS", 3)
        self._tasks: Set[asyncio.Task] = set()
        self._in_flight: Set[str] = set()
        # Per-customer lock (+ users count) keeps a customer's messages in order.
        self._locks: Dict[str, Tuple[asyncio.Lock, int]] = {}
        self._sweeper: Optional[asyncio.Task] = None

    async def accept(self, messages: Iterable[Inbound]) -> List[Inbound]:
        """Records messages (before the webhook is acked); schedules the new ones."""
        fresh = []
        for msg in messages:
            if await self.state.record_inbound(msg):
                fresh.append(msg)
            else:
                logger.info("%s: duplicate delivery of %s ignored", self.channel,
                            msg.message_id)
        for msg in fresh:
            self._spawn(msg)
        return fresh

    def _spawn(self, msg: Inbound) -> None:
        self._in_flight.add(msg.message_id)
        task = asyncio.get_running_loop().create_task(self._process(msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, msg: Inbound) -> None:
        lock, users = self._locks.get(msg.sender_id, (asyncio.Lock(), 0))
        self._locks[msg.sender_id] = (lock, users + 1)
        try:
            async with lock:
                await self._run_turn(msg)
        finally:
            self._in_flight.discard(msg.message_id)
            lock, users = self._locks[msg.sender_id]
            if users <= 1:
                del self._locks[msg.sender_id]
            else:
                self._locks[msg.sender_id] = (lock, users - 1)

    async def _run_turn(self, msg: Inbound) -> None:
        if not await self.state.claim(msg.message_id, self.lease):
            return  # another process (or the sweeper) has it, or it is done
        try:
            if self.before_turn:
                await self.before_turn(msg)
            await self.on_new_message(UserMessage(
                self._readable(msg), self.output_for(), msg.sender_id, input_channel=self.channel,
                message_id=msg.message_id, metadata=msg.metadata))
        except Exception as e:  # keep the task alive; the sweeper retries later
            logger.exception("%s: turn for %s failed", self.channel, msg.message_id)
            await self.state.note_failure(msg.message_id, repr(e)[:500])
            return
        await self.state.finish(msg.message_id)

    def _readable(self, msg: Inbound) -> str:
        """The text cut at MAX_MESSAGE_CHARS: providers cap messages there anyway
        (WhatsApp: 4,096), so a longer one is forged or broken, and reading it
        whole would stall every other customer's turn."""
        limit = max_message_chars()
        if len(msg.text or "") > limit:
            logger.warning("%s: message %s of %d characters cut to %d before NLU", self.channel,
                           msg.message_id, len(msg.text), limit)
            return msg.text[:limit]
        return msg.text

    # --- crash recovery -------------------------------------------------------
    def start_sweeper(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
            self._sweeper = None

    async def _sweep_forever(self) -> None:
        interval = env_float("CHANNEL_RECOVERY_INTERVAL_SECONDS", 30)
        while True:
            try:
                await self.sweep()
            except Exception:  # a DB hiccup must not end recovery for good
                logger.exception("%s: recovery sweep failed", self.channel)
            await asyncio.sleep(interval)

    async def sweep(self) -> int:
        """Re-processes messages a crash (or failed turn) left unprocessed."""
        count = 0
        for msg in await self.state.pending(self.lease):
            if msg.message_id in self._in_flight:
                continue
            if msg.attempts >= self.max_attempts:
                logger.error("%s: giving up on %s after %d attempts", self.channel,
                             msg.message_id, msg.attempts)
                await self.state.finish(msg.message_id, error="gave up")
                continue
            logger.warning("%s: recovering unprocessed message %s", self.channel,
                           msg.message_id)
            self._spawn(msg)
            count += 1
        return count
