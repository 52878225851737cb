"""Invoice PDFs open only through the signed, expiring link billing hands out."""
import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlencode, urlparse

from tests.support.crm import LINK_SECRET


def _pdf_link(billing, invoice_id: str) -> str:
    """The path and query of the invoice's pdf_url."""
    url = urlparse(billing.get(f"/invoices/{invoice_id}").body["pdf_url"])
    return f"{url.path}?{url.query}"


def test_an_invoice_pdf_needs_a_signed_link(root, billing, demo_crm):
    bare = root.get("/invoices/INV-10231.pdf")
    assert (bare.status, bare.error_code) == (403, "invalid_link")
    assert "GET /invoices/INV-10231.pdf -> 403 invalid_link" in demo_crm.log_path.read_text()
    signed = root.get(_pdf_link(billing, "INV-10231"))
    assert signed.status == 200 and signed.raw.startswith(b"%PDF")


def test_a_malformed_expiry_is_a_403_not_a_crash(root):
    for expires in ("9" * 5000, "\u00b2", "-1", ""):
        reply = root.get("/invoices/INV-10231.pdf", params={"expires": expires, "signature": "00"})
        assert (reply.status, reply.error_code) == (403, "invalid_link"), expires


def test_a_link_to_one_invoice_does_not_open_another(root, billing):
    query = urlparse(_pdf_link(billing, "INV-10231")).query
    reply = root.get(f"/invoices/INV-10232.pdf?{query}")
    assert (reply.status, reply.error_code) == (403, "invalid_link")


def test_a_forged_signature_is_refused(root, billing):
    link = urlparse(_pdf_link(billing, "INV-10233"))
    expires = int(parse_qs(link.query)["expires"][0])
    assert expires > time.time() + 3600  # an expiry is part of the link
    later = urlencode({"expires": expires + 86400, "signature": parse_qs(link.query)["signature"][0]})
    reply = root.get(f"{link.path}?{later}")
    assert (reply.status, reply.error_code) == (403, "invalid_link")


def test_an_expired_link_is_refused(root):
    path, expires = "/invoices/INV-10235.pdf", int(time.time()) - 1
    signature = hmac.new(LINK_SECRET.encode(), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()
    reply = root.get(f"{path}?{urlencode({'expires': expires, 'signature': signature})}")
    assert (reply.status, reply.error_code) == (403, "link_expired")
