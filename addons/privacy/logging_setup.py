"""Turning log redaction on in a process (Rasa, the action server, the inbox).

`install()` masks personal data in every log record the process creates, by
wrapping logging's record factory: it therefore covers every logger and every
handler, including the ones Rasa (coloredlogs, structlog) and Sanic set up
after we ran. It also adds `RedactingFilter` to the root logger's handlers.

Three ways to hook it (docs/privacy.md):
- Python services: `from addons.privacy.logging_setup import install_from_env;
  install_from_env()` (on unless LOG_REDACTION=0).
- Rasa and `rasa run actions`: `--logging-config-file addons/privacy/logging.yml`;
  its filter factory, `redaction_filter`, calls `install()` when logging is
  configured (Rasa does that before anything else). The project root must be
  importable at that moment (PYTHONPATH=. or `python -m rasa`), because Rasa
  adds the working directory to sys.path only afterwards.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable, Mapping, Optional

from addons.privacy.redact import RedactingFilter, redact_record

OFF = {"0", "false", "no", "off"}
_lock = threading.Lock()
_installed: Optional[Callable[..., logging.LogRecord]] = None
_previous: Optional[Callable[..., logging.LogRecord]] = None


def enabled(env: Optional[Mapping[str, str]] = None) -> bool:
    """LOG_REDACTION: on unless set to 0/false/no/off."""
    env = os.environ if env is None else env
    return (env.get("LOG_REDACTION") or "1").strip().lower() not in OFF


def addresses_enabled(env: Optional[Mapping[str, str]] = None) -> bool:
    """LOG_REDACT_ADDRESSES: street addresses too (on unless 0/false/no/off)."""
    env = os.environ if env is None else env
    return (env.get("LOG_REDACT_ADDRESSES") or "1").strip().lower() not in OFF


def is_installed() -> bool:
    return _installed is not None and logging.getLogRecordFactory() is _installed


def install(addresses: Optional[bool] = None) -> None:
    """Masks personal data in every record from now on (idempotent)."""
    global _installed, _previous
    mask_addresses = addresses_enabled() if addresses is None else addresses
    with _lock:
        if not is_installed():
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                return redact_record(previous(*args, **kwargs), mask_addresses)

            logging.setLogRecordFactory(factory)
            _installed, _previous = factory, previous
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter(addresses=mask_addresses))


def uninstall() -> None:
    """Undoes `install()` (for tests): the previous record factory, no filters."""
    global _installed, _previous
    with _lock:
        if is_installed() and _previous is not None:
            logging.setLogRecordFactory(_previous)
        _installed = _previous = None
        for handler in logging.getLogger().handlers:
            for f in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(f)


def install_from_env(env: Optional[Mapping[str, str]] = None) -> bool:
    """`install()` unless LOG_REDACTION turns it off; True if redaction is on."""
    if not enabled(env):
        return False
    install(addresses_enabled(env))
    return True


class _PassThrough(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return True


def redaction_filter(addresses: Optional[bool] = None) -> logging.Filter:
    """Filter factory for logging.config.dictConfig (`(): ...redaction_filter`).

    Installs the record factory as a side effect, so handlers created later
    (coloredlogs replaces Rasa's console handler) are covered too.
    LOG_REDACTION=0 makes it a no-op.
    """
    if not enabled():
        return _PassThrough()
    mask_addresses = addresses_enabled() if addresses is None else bool(addresses)
    install(mask_addresses)
    return RedactingFilter(addresses=mask_addresses)
