"""Masking personal data in free text: emails, phone numbers, card numbers and
(optionally) street addresses.

Used for log lines (see `logging_setup.py`), where customer messages, slot
values and API errors end up: `redact("mail maya@example.com")` gives
`"mail [email]"`. Order numbers (10231), amounts (749.00), epoch timestamps
(1764000000.5) and ids are left alone, so logs stay useful.

What counts as what:
- email: anything@domain.tld
- card: 13 to 19 digits, in one run or grouped the way cards are printed
  ("4111 1111 1111 1111", "3782-822463-10005"), that pass the Luhn check (so
  most other long numbers are not cards)
- phone: international numbers written with "+" (8 to 15 digits, separators
  allowed); North American numbers with separators ("(415) 555-0101",
  "415-555-0101", "415.555.0101") or as 10 bare digits with a valid area and
  exchange code ("4155550101"; area codes never start with 0 or 1, which keeps
  epoch timestamps out)
- address (optional): a house number, one to four capitalised words and a
  street type ("12 Harbor Street", "400 N Main Ave")
"""
from __future__ import annotations

import logging
import re
from typing import Any, Optional

EMAIL_MASK, PHONE_MASK, CARD_MASK, ADDRESS_MASK = "[email]", "[phone]", "[card]", "[address]"

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
# 13-19 digits in one run, or written in the groups cards are printed in
# (4-4-4-4[-1..7] or Amex's 4-6-5); Luhn decides.
CARD = re.compile(r"(?<![\d.+])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{5})"
                  r"(?!\d)(?!\.\d)")
INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])\+\d(?:[ ().-]{0,2}\d){7,14}(?!\d)")
NANP_PHONE = re.compile(
    r"(?<![\w.+])(?:1[ .-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![\d])"
    r"|(?<![\w.+])1?[2-9]\d{2}[2-9]\d{6}(?![\w])(?!\.\d)")
STREET_TYPES = (r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|"
                r"Place|Pl|Terrace|Way|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir|"
                r"Strasse|Straße|Gasse|Weg")
ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){1,4}(?:" + STREET_TYPES + r")\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Unit|#)\.?\s*\w+)?")


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


def redact(text: Any, addresses: bool = True) -> Any:
    """`text` with personal data masked; non-strings are returned unchanged."""
    if not isinstance(text, str) or not text:
        return text
    text = EMAIL.sub(EMAIL_MASK, text)
    text = INTERNATIONAL_PHONE.sub(_international, text)  # "+..." is a phone, even if Luhn-valid
    text = CARD.sub(_card, text)
    text = NANP_PHONE.sub(PHONE_MASK, text)
    if addresses:
        text = ADDRESS.sub(ADDRESS_MASK, text)
    return text


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
