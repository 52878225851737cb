"""Password hashing with the stdlib's scrypt (memory-hard, salted, no extra package)."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor

_N, _R, _P = 2 ** 14, 8, 1
# scrypt releases the GIL but not the CPU: a few threads at most, so a burst
# of logins queues here instead of starving the event loop of a core.
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="scrypt")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def hash_password(password: str) -> str:
    """Returns `scrypt$n$r$p$salt$hash`; parameters are stored so they can grow later."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


# Checked against when the email is unknown, so a wrong email costs as much
# time as a wrong password and timing does not reveal which accounts exist.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


async def off_loop(function, *args):
    """Runs a hashing function in the small scrypt pool, never on the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, function, *args)
