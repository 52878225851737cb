"""Routes outside the two APIs: health, label and invoice PDFs, the demo outbox."""
from __future__ import annotations

from sanic.response import HTTPResponse, raw
from sqlalchemy import func, select

from services.crm import links, pdf, store, validation as v, views
from services.crm.errors import ApiError
from services.crm.models import Invoice, OutboxMessage, Return
from services.crm.routing import Call, Route


def health(call: Call) -> dict:
    return {"status": "ok"}


def _pdf_name(filename: str) -> str:
    if not filename.endswith(".pdf"):
        raise ApiError(404, "not_found", "documents are served as .pdf")
    return filename[:-4]


def _pdf(lines) -> HTTPResponse:
    return raw(pdf.one_page(lines), content_type="application/pdf")


def label(call: Call, filename: str) -> HTTPResponse:
    """The link is the secret (random RMA), like a carrier's label link."""
    ret = store.get(call.db, Return, _pdf_name(filename), "return")
    return _pdf(["Harbor Goods - prepaid return label", f"RMA: {ret.rma}",
                 f"Order: {ret.order_id}", "Ship to: Harbor Goods Returns, Warehouse 3"])


def invoice_pdf(call: Call, filename: str) -> HTTPResponse:
    """Only through a signed link: billing's pdf_url or the emailed copy."""
    links.check(call)
    invoice = store.get(call.db, Invoice, _pdf_name(filename), "invoice")
    return _pdf(["Harbor Goods - invoice", f"Invoice: {invoice.id}", f"Order: {invoice.order_id}",
                 f"Amount: {views.money(invoice.amount)} USD", f"Status: {invoice.status}"])


def list_outbox(call: Call) -> dict:
    """What the demo 'sent'; ?to= filters by recipient (any case)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    to = v.query(call.request, "to")
    if to:
        stmt = stmt.where(func.lower(OutboxMessage.to) == to.lower())
    return {"messages": [views.outbox(m) for m in call.db.execute(stmt).scalars()]}


PUBLIC_ROUTES = [
    Route("GET", "/health", health, "Liveness"),
    Route("GET", "/labels/<filename>", label, "Prepaid return label (placeholder PDF)"),
    Route("GET", "/invoices/<filename>", invoice_pdf,
          "Invoice (placeholder PDF), through the signed link billing gives as pdf_url",
          query=("expires", "signature"), errors=("invalid_link", "link_expired")),
]
ADMIN_ROUTES = [
    Route("GET", "/outbox", list_outbox, "Emails the demo recorded instead of sending", query=("to",)),
]
