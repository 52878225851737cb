"""Webhook signature checks (Meta and Twilio), constant-time.

Both checks run on exactly what the provider signed: Meta signs the raw body
bytes; Twilio signs the public URL plus the sorted form parameters.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable, Mapping, Sequence, Tuple
from urllib.parse import urlsplit, urlunsplit

META_SIGNATURE_HEADER = "X-Hub-Signature-256"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"


def meta_signature(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends for `body`."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_meta_signature(body: bytes, header: str, app_secret: str) -> bool:
    """False for a missing secret too: an unconfigured app must not accept anything."""
    if not app_secret or not header:
        return False
    return hmac.compare_digest(meta_signature(body, app_secret).encode(),
                               header.strip().encode())


def twilio_signature(url: str, params: Iterable[Tuple[str, str]], auth_token: str) -> str:
    """base64(HMAC-SHA1(url + key1 + value1 + ...)), keys (and a key's values) sorted."""
    data = url + "".join(k + v for k, v in sorted(params))
    mac = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def _port_variants(url: str) -> Sequence[str]:
    """Twilio may sign the URL with or without the default port; accept both."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if default is None or parts.port not in (None, default):
        return [url]
    if parts.port is None:
        other = parts._replace(netloc=f"{parts.netloc}:{default}")
    else:
        other = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
    return [url, urlunsplit(other)]


def verify_twilio_signature(url: str, params: Mapping[str, Sequence[str]], header: str,
                            auth_token: str) -> bool:
    if not auth_token or not header:
        return False
    pairs = [(k, v) for k, values in params.items() for v in values]
    return any(
        hmac.compare_digest(twilio_signature(candidate, pairs, auth_token).encode(),
                            header.strip().encode())
        for candidate in _port_variants(url))
