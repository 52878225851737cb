"""Masking personal data in free text: emails, phone numbers, card numbers and
(optionally) street addresses.

Used for log lines (see `logging_setup.py`), where customer messages, slot
values, request paths and API errors end up: `redact("mail maya@example.com")`
gives `"mail [email]"`. Order numbers (10231), amounts (749.00), dates
(2026-11-24), times, epoch timestamps (1764000000.5), UUIDs and UPS tracking
numbers (1Z999AA10123456784) are left alone, so logs stay useful.

What counts as what:
- email: anything@domain.tld
- card: 13 to 19 digits, in one run or grouped the way cards are printed
  ("4111 1111 1111 1111", "4111.1111.1111.1111", "3782-822463-10005"), that
  pass the Luhn check (so most other long numbers are not cards)
- phone: international numbers written with "+" (8 to 15 digits, separators
  allowed) or without it as 11 to 13 bare digits not starting with 0 or 1
  ("447700900123": a country code never starts with 0, and one starting with
  1 is North American, next rule); North American numbers with separators
  ("(415) 555-0101", "415-555-0101", "415.555.0101") or as 10 bare digits
  with a valid area and exchange code ("4155550101"; area codes never start
  with 0 or 1, which keeps epoch timestamps out); national numbers with the
  trunk 0, 10 or 11 digits, grouped by spaces or dashes ("07700 900123",
  "020 7946 0958", "06 12 34 56 78")
- address (optional): a house number, one to four words that are not common
  English words ("is", "on", "its", "the"…, so "10231 is on its way" stays)
  and a street type, in any case ("12 Harbor Street", "12 baker street",
  "400 N Main Ave")
- URL-encoded text ("ava%40example.com", "%2B14155550101"): a token with
  percent escapes is checked decoded, and replaced, decoded and masked, only
  when it held any of the above; other tokens stay byte for byte

The price of the bare-digit rule: a digits-only tracking number of 11 to 13
digits not starting with 1 (some FedEx numbers) is masked as a phone number.
UPS ("1Z…") and USPS (20+ digits) numbers are kept; order numbers are 4 to 6
digits.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Optional

EMAIL_MASK, PHONE_MASK, CARD_MASK, ADDRESS_MASK = "[email]", "[phone]", "[card]", "[address]"

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
# 13-19 digits in one run, or written in the groups cards are printed in
# (4-4-4-4[-1..7] or Amex's 4-6-5); Luhn decides.
CARD = re.compile(r"(?<![\d.+])(?:\d{13,19}|\d{4}([ .-])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ .-])\d{6}\2\d{5})"
                  r"(?!\d)(?!\.\d)")
INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])\+\d(?:[ ().-]{0,2}\d){7,14}(?!\d)")
NANP_PHONE = re.compile(
    r"(?<![\w.+])(?:1[ .-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![\d])"
    r"|(?<![\w.+])1?[2-9]\d{2}[2-9]\d{6}(?![\w])(?!\.\d)")
# International without "+": a country code never starts with 0, and 1 is
# North America (NANP_PHONE); not inside ids (UUID groups, "A-…", decimals).
BARE_INTERNATIONAL_PHONE = re.compile(r"(?<![\w.+-])[2-9]\d{10,12}(?![\w])(?!\.\d)")
# National with the trunk 0 (UK, France, Germany…): 10 or 11 digits, single
# spaces or dashes between groups; never a decimal ("0.9812345678").
NATIONAL_PHONE = re.compile(r"(?<![\w.+-])0\d(?:[ -]?\d){8,9}(?!-\d)(?!\w)(?!\.\d)")
STREET_TYPES = (r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|"
                r"Place|Pl|Terrace|Way|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir|"
                r"Strasse|Straße|Gasse|Weg")
# Words of a sentence, not of a street name: "10231 is on its way", "2 items in my place".
NOT_STREET_NAMES = (r"a|an|the|is|are|was|were|be|been|will|has|have|had|on|in|at|to|of|for|"
                    r"from|by|with|and|or|but|its|it|my|your|our|their|his|her|this|that|these|"
                    r"those|no|not|per|each|every|all|any|some|more|days?|items?|weeks?|hours?")
ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:(?!(?:" + NOT_STREET_NAMES + r")\b)[A-Za-z][\w'.-]*\s+){1,4}"
    r"(?:" + STREET_TYPES + r")\b\.?(?:,?\s+(?:Apt|Apartment|Suite|Unit|#)\.?\s*\w+)?",
    re.IGNORECASE)
# A token (no spaces) with percent escapes, and the escapes that can be part of
# an email or a phone number (@ + space ( ) . - _): only those are decoded, so
# "%0A" can never become a line break in a log.
ENCODED_TOKEN = re.compile(r"\S*%[0-9A-Fa-f]{2}\S*")
ENCODED_CHAR = re.compile(r"%(40|2[Bb]|20|28|29|2[Ee]|2[Dd]|5[Ff])")


def luhn_ok(digits: str) -> bool:
    """The checksum every payment card number satisfies."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: "re.Match[str]") -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return CARD_MASK
    return match.group(0)


def _international(match: "re.Match[str]") -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return PHONE_MASK if 8 <= len(digits) <= 15 else match.group(0)


def _plain(text: str, addresses: bool) -> str:
    text = EMAIL.sub(EMAIL_MASK, text)
    text = INTERNATIONAL_PHONE.sub(_international, text)  # "+..." is a phone, even if Luhn-valid
    text = CARD.sub(_card, text)
    for phone in (NANP_PHONE, BARE_INTERNATIONAL_PHONE, NATIONAL_PHONE):
        text = phone.sub(PHONE_MASK, text)
    if addresses:
        text = ADDRESS.sub(ADDRESS_MASK, text)
    return text


def _encoded(match: "re.Match[str]", addresses: bool) -> str:
    """A URL-encoded token, decoded and masked if it held personal data, else as it was."""
    decoded = ENCODED_CHAR.sub(lambda m: chr(int(m.group(1), 16)), match.group(0))
    masked = _plain(decoded, addresses)
    return masked if masked != decoded else match.group(0)


def redact(text: Any, addresses: bool = True) -> Any:
    """`text` with personal data masked; non-strings are returned unchanged."""
    if not isinstance(text, str) or not text:
        return text
    if "%" in text:
        text = ENCODED_TOKEN.sub(lambda m: _encoded(m, addresses), text)
    return _plain(text, addresses)


# What every LogRecord has; anything else came in through `extra=`.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact_record(record: logging.LogRecord, addresses: bool = True) -> logging.LogRecord:
    """Formats the record's message once, masks it, and masks the traceback.

    After this, `record.msg` is the final masked text and `record.args` is
    empty, so no handler or formatter can bring the original back.
    """
    if getattr(record, "_harbor_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what we have, masked
        message = f"{record.msg} {record.args!r}" if record.args else str(record.msg)
    record.msg, record.args = redact(message, addresses), ()
    for name, value in list(vars(record).items()):  # extra=…, e.g. Sanic's access log "request"
        if name not in STANDARD_ATTRIBUTES and isinstance(value, str):
            setattr(record, name, redact(value, addresses))
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text, addresses)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, addresses)
    record._harbor_redacted = True
    return record


class RedactingFilter(logging.Filter):
    """A logging.Filter that masks personal data in every record it sees.

    Attach it to handlers (filters on a logger do not see records propagated
    from child loggers); `logging_setup.install()` covers every record instead.
    """

    def __init__(self, name: str = "", addresses: bool = True) -> None:
        super().__init__(name)
        self.addresses = addresses

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self.addresses)
        return True


def mask_email(email: Optional[str]) -> str:
    """For the privacy CLI's output: `maya@example.com` -> `m***@example.com`."""
    if not email or "@" not in email:
        return "***"
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
