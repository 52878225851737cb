"""Masking personal data in text and in log records."""
from __future__ import annotations

import io
import logging

import pytest

from addons.privacy import logging_setup
from addons.privacy.redact import RedactingFilter, luhn_ok, redact


@pytest.mark.parametrize("text, expected", [
    ("my email is Maya.Patel+orders@example.co.uk, thanks",
     "my email is [email], thanks"),
    ("call me on +1 (415) 555-0101 or +44 20 7946 0958.", "call me on [phone] or [phone]."),
    ("(415) 555-0101 / 415-555-0101 / 415.555.0101 / 4155550101",
     "[phone] / [phone] / [phone] / [phone]"),
    ("whatsapp sender +14155550101", "whatsapp sender [phone]"),
    ("card 4111 1111 1111 1111 exp 12/27", "card [card] exp 12/27"),
    ("amex 3782-822463-10005 and 4012888888881881", "amex [card] and [card]"),
    ("I moved to 221 Baker Street, Apt 4B last week", "I moved to [address] last week"),
])
def test_personal_data_is_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "order 10231 total 749.00, refund RF-20931 issued 2026-12-05",
    "timestamp 1764000000.123 and epoch 1764000000",  # area codes never start with 1
    "4111 1111 1111 1112 fails the Luhn check",
    "sku DESK-STAND-01 qty 2 invoice INV-2026-0042",
])
def test_ids_amounts_dates_and_non_cards_are_kept(text):
    assert redact(text) == text


def test_luhn_check():
    assert luhn_ok("4111111111111111") and luhn_ok("378282246310005")
    assert not luhn_ok("4111111111111112")


def test_addresses_can_be_left_alone():
    assert redact("ship to 12 Harbor Street", addresses=False) == "ship to 12 Harbor Street"


def _capture(logger_name: str):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, handler, stream


def test_filter_masks_arguments_and_tracebacks():
    logger, handler, stream = _capture("harbor.test.filter")
    handler.addFilter(RedactingFilter())
    try:
        logger.info("verifying %s for %s", "maya@example.com", "+14155550101")
        try:
            raise ValueError("card 4111111111111111 declined for maya@example.com")
        except ValueError:
            logger.exception("billing failed for %s", "maya@example.com")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "INFO verifying [email] for [phone]" in out
    assert "ValueError: card [card] declined for [email]" in out
    assert "maya@example.com" not in out and "4111111111111111" not in out


def test_install_covers_handlers_created_afterwards_and_can_be_switched_off():
    assert logging_setup.install_from_env({"LOG_REDACTION": "0"}) is False
    assert not logging_setup.is_installed()
    logging_setup.install_from_env({"LOG_REDACTION": "1"})
    try:
        logger, handler, stream = _capture("harbor.test.install")  # a handler added later, no filter
        logger.warning("customer %s wrote from %s", "jonas@example.com", "+4915112345678")
        logger.removeHandler(handler)
        assert stream.getvalue() == "WARNING customer [email] wrote from [phone]\n"
    finally:
        logging_setup.uninstall()
    assert not logging_setup.is_installed()
    logger, handler, stream = _capture("harbor.test.uninstalled")
    logger.warning("customer %s", "jonas@example.com")
    logger.removeHandler(handler)
    assert stream.getvalue() == "WARNING customer jonas@example.com\n"
