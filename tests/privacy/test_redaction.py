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


@pytest.mark.parametrize("text, expected", [
    ("whatsapp from 447700900123 and 393471234567", "whatsapp from [phone] and [phone]"),
    ("ring me on 07700 900123 or 07700900123, or 020 7946 0958",
     "ring me on [phone] or [phone], or [phone]"),
    ("I moved to 12 baker street last week", "I moved to [address] last week"),
    ("ship it to 400 n main ave, apt 4b please", "ship it to [address] please"),
    ("card 4111.1111.1111.1111 and amex 3782.822463.10005", "card [card] and amex [card]"),
])
def test_numbers_and_addresses_written_the_other_ways_customers_write_them_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Your order 10231 is on its way and arrives 2026-11-24 between 09:30 and 14:00.",
    "refund of $749.00 for order 102310 placed 2026-11-05T14:30:00Z, 2 items in my place",
    "UPS 1Z999AA10123456784 shipped 3 items on the road, 5 business days",
    "ms timestamp 1764000000123, confidence 0.9812345678, 12345.6789",
    "request 550e8400-e29b-41d4-a716-446655440000 took 0.0123 s",
])
def test_order_numbers_amounts_dates_times_and_tracking_numbers_are_kept(text):
    assert redact(text) == text


@pytest.mark.parametrize("line, expected", [
    ("GET /crm/v1/customers?email=ava%40example.com&phone=%2B14155550101 -> 404",
     "GET /crm/v1/customers?email=[email]&phone=[phone] -> 404"),
    ("GET /crm/v1/customers/maya.patel%40Example.com -> 404 customer_not_found",
     "GET /crm/v1/customers/[email] -> 404 customer_not_found"),
    ("GET /crm/v1/customers?phone=%2B44%207700%20900123&q=a%2Fb%0Ax -> 200",
     "GET /crm/v1/customers?phone=[phone]&q=a%2Fb%0Ax -> 200"),
    ("GET /crm/v1/returns/quote?order_id=10231&skus=DESK-STAND-01%2CLAMP-02 -> 200",
     "GET /crm/v1/returns/quote?order_id=10231&skus=DESK-STAND-01%2CLAMP-02 -> 200"),
])
def test_url_encoded_emails_and_phone_numbers_in_crm_request_lines_are_masked(line, expected):
    assert redact(line) == expected


def test_string_extras_such_as_sanics_access_log_request_are_masked():
    logger, handler, stream = _capture("harbor.test.access")
    handler.setFormatter(logging.Formatter("[%(host)s]: %(request)s %(message)s %(status)d"))
    handler.addFilter(RedactingFilter())
    try:
        logger.info("", extra={"host": "127.0.0.1:50312", "status": 200,
                               "request": "GET http://127.0.0.1:8090/crm/v1/customers"
                                          "?email=ava%40example.com&phone=%2B14155550101"})
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == ("[127.0.0.1:50312]: GET http://127.0.0.1:8090/crm/v1/customers"
                                 "?email=[email]&phone=[phone]  200\n")


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
