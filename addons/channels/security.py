"""Webhook signature checks (Meta and Twilio), constant-time.

Both checks run on exactly what the provider signed: Meta signs the raw body
bytes; Twilio signs the public URL plus the sorted form parameters.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Mapping, Sequence
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


def twilio_signature(url: str, params: Mapping[str, Sequence[str]], auth_token: str) -> str:
    """base64(HMAC-SHA1(url + key + value ...)): keys sorted, and a key's values
    de-duplicated and sorted, as Twilio's SDKs compute it (RequestValidator)."""
    data = url + "".join(key + value for key in sorted(params)
                         for value in sorted(set(params[key])))
    mac = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def _port_variants(url: str) -> Sequence[str]:
    """Twilio signs the URL with or without its port, so its SDKs accept both: the
    URL without any port, and with its port (the scheme's default if it has none)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a malformed port: only the URL as given can match
        return [url]
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    default = 443 if parts.scheme == "https" else 80
    with_port = parts._replace(netloc=f"{host}:{port if port is not None else default}")
    return [urlunsplit(parts._replace(netloc=host)), urlunsplit(with_port)]


def verify_twilio_signature(url: str, params: Mapping[str, Sequence[str]], header: str,
                            auth_token: str) -> bool:
    if not auth_token or not header:
        return False
    expected = header.strip().encode()
    return any(hmac.compare_digest(twilio_signature(candidate, params, auth_token).encode(),
                                   expected)
               for candidate in _port_variants(url))
