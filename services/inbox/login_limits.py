"""Failed-login limits per account and per client address (sliding window).

An attempt counts as soon as it starts, so thirty parallel guesses cannot all
slip in before the first one fails; a successful login takes its attempt
back and clears the account's failures. The inbox is one process, so the
counts live in memory (a restart forgets them, which only helps the owner).
"""
from __future__ import annotations

import math
import time
from collections import deque
from typing import Callable, Deque, Dict, Optional

# Beyond this many tracked keys, expired ones are dropped (many distinct guesses).
MAX_KEYS = 10_000


class LoginLimiter:
    def __init__(self, per_account: int, per_address: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.window, self.clock = window_seconds, clock
        self._attempts: Dict[str, Deque[float]] = {}

    def _recent(self, key: str, now: float) -> Deque[float]:
        stamps = self._attempts.get(key, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        return stamps

    def _wait(self, kind: str, value: str, now: float) -> Optional[int]:
        stamps = self._recent(f"{kind}:{value}", now)
        if len(stamps) < self.limits[kind]:
            return None
        return max(1, math.ceil(stamps[0] + self.window - now))

    def start(self, email: str, address: str) -> Optional[int]:
        """Seconds to wait before trying again, or None: the attempt is counted."""
        now = self.clock()
        waits = [w for w in (self._wait("account", email, now), self._wait("address", address, now))
                 if w is not None]
        if waits:
            return max(waits)
        if len(self._attempts) > MAX_KEYS:
            self._attempts = {k: v for k, v in self._attempts.items() if self._recent(k, now)}
        for key in (f"account:{email}", f"address:{address}"):
            self._attempts.setdefault(key, deque()).append(now)
        return None

    def succeeded(self, email: str, address: str) -> None:
        """The right password: forget the account's failures and this attempt."""
        self._attempts.pop(f"account:{email}", None)
        stamps = self._attempts.get(f"address:{address}")
        if stamps:
            stamps.pop()
