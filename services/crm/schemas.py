"""JSON schemas of request bodies and the shared response shapes, for /openapi.json."""
from __future__ import annotations

from services.crm import rules


def obj(required=(), **props) -> dict:
    schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


STR = {"type": "string"}
MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$", "example": "89.00"}
DATE = {"type": "string", "format": "date"}

CUSTOMER_BODY = obj(("name", "email"), name=STR, email={"type": "string", "format": "email"},
                    phone={"type": "string", "description": "E.164, e.g. +14155550101"},
                    address=STR)
CUSTOMER_PATCH = obj(name=STR, phone=STR, address=STR)
NEWSLETTER_BODY = obj(("subscribed",), subscribed={"type": "boolean"})
ADDRESS_BODY = obj(("shipping_address",), shipping_address=STR)
RETURN_BODY = obj(
    ("order_id", "items", "reason", "condition", "refund_method"),
    order_id=STR, reason=STR,
    items={"type": "array", "minItems": 1,
           "items": obj(("sku", "qty"), sku=STR, qty={"type": "integer", "minimum": 1})},
    condition={"type": "string", "enum": sorted(rules.RETURN_CONDITIONS)},
    refund_method={"type": "string", "enum": sorted(rules.REFUND_METHODS)})
REFUND_REASONS = ("duplicate_charge", "return", "cancellation", "goodwill")
REFUND_BODY = obj(
    ("order_id", "reason"), order_id=STR,
    amount={**MONEY, "description": "required except for duplicate_charge (the whole capture)"},
    reason={"type": "string", "enum": list(REFUND_REASONS)},
    payment_id={"type": "string", "description": "the duplicate capture, for duplicate_charge"})
APPROVE_BODY = obj(agent={"type": "string", "description": "who approved (optional)"})
PAUSE_BODY = obj(("months",), months={"type": "integer", "minimum": 1,
                                      "maximum": rules.MAX_PAUSE_MONTHS})
ERROR = obj(("error",), error=obj(("code", "message"), code=STR, message=STR))
