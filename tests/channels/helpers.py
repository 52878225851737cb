"""HTTP helpers for the channel tests: signed webhook posts, polling.

Signatures are computed independently of addons.channels.security: Meta's
with hmac here, Twilio's with the official twilio library's RequestValidator.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Union

from twilio.request_validator import RequestValidator


@dataclass
class Reply:
    status: int
    body: str
    headers: Dict[str, str]  # lower-case names
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def request(method: str, url: str, body: Optional[bytes] = None,
            headers: Optional[Dict[str, str]] = None, timeout: float = 10) -> Reply:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text, status, hdrs = resp.read().decode(), resp.status, resp.headers
    except urllib.error.HTTPError as e:
        text, status, hdrs = e.read().decode(), e.code, e.headers
    return Reply(status, text, {k.lower(): v for k, v in hdrs.items()},
                 time.monotonic() - start)


def meta_sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_meta(url: str, payload: Union[Dict[str, Any], bytes], secret: Optional[str],
              signature: Optional[str] = None) -> Reply:
    """Posts like Meta: JSON body, X-Hub-Signature-256 over the exact bytes."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif secret is not None:
        headers["X-Hub-Signature-256"] = meta_sign(body, secret)
    return request("POST", url, body, headers)


def post_twilio(url: str, form: Union[Dict[str, str], bytes], token: Optional[str],
                signed_url: Optional[str] = None) -> Reply:
    """Posts like Twilio: form body, X-Twilio-Signature over `signed_url` + params."""
    body = form if isinstance(form, bytes) else urllib.parse.urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token is not None and isinstance(form, dict):
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            signed_url or url, form)
    return request("POST", url, body, headers)


def wait_for(check: Callable[[], Any], timeout: float = 10, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
