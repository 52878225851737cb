"""X-Twilio-Signature is accepted exactly when Twilio's own SDK
(twilio-python's RequestValidator) accepts it: URLs with and without their
port, and repeated identical form values counted once."""
from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

import pytest
from twilio.request_validator import RequestValidator

from addons.channels.security import verify_twilio_signature
from tests.support import payloads as p
from tests.support.channels import PUBLIC_TWILIO_URL, SECRETS
from tests.support.channels import request

TOKEN = SECRETS["TWILIO_AUTH_TOKEN"]
PATH = "/webhooks/twilio_whatsapp/webhook?channel=wa"


class MultiForm(dict):
    """Form values as lists, the way the SDK reads Django's QueryDict."""

    def getlist(self, key):
        return self[key]


def recipe(url: str, form: dict) -> str:
    """Twilio's documented recipe, written out: sorted keys, each key's distinct
    values sorted, appended to the URL, HMAC-SHA1 with the auth token, base64."""
    data = url + "".join(k + v for k in sorted(form) for v in sorted(set(form[k])))
    return base64.b64encode(hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()


FORM = MultiForm({"Body": ["hi"], "From": ["whatsapp:+14155550101"],
                  "MediaUrl0": ["https://api.twilio.com/m/1", "https://api.twilio.com/m/1"]})
CASES = [  # (URL we know, URL Twilio signed)
    ("https://bot.example.com:1234" + PATH, "https://bot.example.com" + PATH),
    ("https://bot.example.com:1234" + PATH, "https://bot.example.com:1234" + PATH),
    ("https://bot.example.com" + PATH, "https://bot.example.com:443" + PATH),
    ("https://bot.example.com:443" + PATH, "https://bot.example.com" + PATH),
    ("http://bot.example.com:8080" + PATH, "http://bot.example.com" + PATH),
    ("https://bot.example.com:1234" + PATH, "https://bot.example.com:4321" + PATH),
    ("https://bot.example.com" + PATH, "https://evil.example.com" + PATH),
]


@pytest.mark.parametrize("known,signed", CASES)
def test_a_url_with_or_without_its_port_is_accepted_exactly_when_twilios_sdk_accepts_it(
        known, signed):
    signature = RequestValidator(TOKEN).compute_signature(signed, FORM)
    assert signature == recipe(signed, FORM)
    sdk = RequestValidator(TOKEN).validate(known, FORM, signature)
    assert verify_twilio_signature(known, FORM, signature, TOKEN) is sdk


def test_a_url_signed_without_its_explicit_port_is_accepted_like_twilios_sdk():
    known, signed = CASES[0]
    form = MultiForm(FORM, MediaUrl0=["https://api.twilio.com/m/1"])
    signature = recipe(signed, form)
    assert RequestValidator(TOKEN).validate(known, form, signature)
    assert verify_twilio_signature(known, form, signature, TOKEN)


def test_repeated_identical_form_values_are_counted_once_like_twilios_sdk():
    signature = recipe(PUBLIC_TWILIO_URL, FORM)
    assert RequestValidator(TOKEN).validate(PUBLIC_TWILIO_URL, FORM, signature)
    assert verify_twilio_signature(PUBLIC_TWILIO_URL, FORM, signature, TOKEN)
    twice_hashed = MultiForm(FORM, Body=["hi", "hi"])
    assert verify_twilio_signature(PUBLIC_TWILIO_URL, twice_hashed, signature, TOKEN)


def test_a_webhook_with_a_repeated_form_value_reaches_the_bot(harness):
    phone = "+" + p.unique_wa_id()
    form = p.tw_message("two identical media urls", phone=phone, NumMedia="0")
    pairs = list(form.items()) + [("MediaUrl0", "https://api.twilio.com/m/1")] * 2
    signature = recipe(PUBLIC_TWILIO_URL, MultiForm(
        {k: [v for key, v in pairs if key == k] for k, _ in pairs}))
    reply = request("POST", harness.webhook("twilio_whatsapp"),
                    urllib.parse.urlencode(pairs).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": signature})
    assert reply.status == 200
    harness.wait_event(sender_id=phone, text="two identical media urls")
