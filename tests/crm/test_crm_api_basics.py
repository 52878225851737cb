"""Auth, error shapes, body limits, the OpenAPI description and health."""
import re

import pytest

from tests.support.crm import ADMIN_TOKEN, BILLING_TOKEN, CRM_TOKEN

# Every route of the contract in docs/ARCHITECTURE.md, plus the demo's extras.
CONTRACT = [
    ("get", "/crm/v1/customers/{customer_id}"), ("get", "/crm/v1/customers"),
    ("post", "/crm/v1/customers"), ("patch", "/crm/v1/customers/{customer_id}"),
    ("get", "/crm/v1/customers/{customer_id}/orders"),
    ("post", "/crm/v1/customers/{customer_id}/password-reset"),
    ("post", "/crm/v1/orders/{order_id}/ownership-check"),
    ("post", "/crm/v1/customers/{customer_id}/verification-codes"),
    ("post", "/crm/v1/customers/{customer_id}/verification-codes/check"),
    ("post", "/crm/v1/verification/unlock"),
    ("post", "/crm/v1/customers/{customer_id}/deletion-request"),
    ("put", "/crm/v1/customers/{customer_id}/newsletter"), ("get", "/crm/v1/orders/{order_id}"),
    ("post", "/crm/v1/orders/{order_id}/cancel"), ("patch", "/crm/v1/orders/{order_id}/shipping-address"),
    ("post", "/crm/v1/returns"), ("get", "/crm/v1/returns/{rma}"), ("get", "/crm/v1/returns/quote"),
    ("post", "/crm/v1/returns/{rma}/receive"),
    ("get", "/billing/v1/payments"), ("get", "/billing/v1/refunds/{refund_id}"),
    ("get", "/billing/v1/refunds"), ("post", "/billing/v1/refunds"),
    ("post", "/billing/v1/refunds/{refund_id}/approve"),
    ("post", "/billing/v1/refunds/{refund_id}/deny"),
    ("get", "/billing/v1/invoices/{invoice_id}"), ("get", "/billing/v1/invoices"),
    ("post", "/billing/v1/invoices/{invoice_id}/email"),
    ("get", "/billing/v1/subscriptions"), ("get", "/billing/v1/subscriptions/{subscription_id}"),
    ("get", "/billing/v1/subscriptions/{subscription_id}/cancellation-quote"),
    ("post", "/billing/v1/subscriptions/{subscription_id}/cancel"),
    ("post", "/billing/v1/subscriptions/{subscription_id}/pause"),
    ("get", "/billing/v1/payment-methods"), ("get", "/admin/outbox"), ("get", "/health"),
    ("get", "/labels/{filename}"), ("get", "/invoices/{filename}"),
    ("get", "/openapi.json"),
]


def test_health_answers_without_a_token(root):
    reply = root.get("/health")
    assert (reply.status, reply.body) == (200, {"status": "ok"})


@pytest.mark.parametrize("api,path", [("crm", "/orders/10232"), ("billing", "/payment-methods")])
@pytest.mark.parametrize("token", [None, "wrong-token", "other-api"])
def test_each_api_accepts_only_its_own_token(root, api, path, token):
    if token == "other-api":
        token = BILLING_TOKEN if api == "crm" else CRM_TOKEN
    reply = root.get(f"/{api}/v1{path}", token=token)
    assert reply.status == 401
    assert reply.error_code == "unauthorized"


def test_the_outbox_needs_the_admin_token_not_an_api_token(root):
    assert root.get("/admin/outbox", token=ADMIN_TOKEN).status == 200
    for token in (CRM_TOKEN, BILLING_TOKEN, None):
        reply = root.get("/admin/outbox", token=token)
        assert (reply.status, reply.error_code) == (401, "unauthorized"), token


def test_malformed_json_is_a_400_invalid_json(crm):
    reply = crm.request("POST", "/returns", data=b'{"order_id": ')
    assert (reply.status, reply.error_code) == (400, "invalid_json")


def test_json_that_is_not_an_object_is_rejected(crm):
    reply = crm.request("POST", "/customers", data=b'["a", "b"]')
    assert (reply.status, reply.error_code) == (400, "invalid_json")


def test_a_missing_field_is_named_in_the_error(crm):
    reply = crm.post("/customers", {"email": "someone@example.com"})
    assert (reply.status, reply.error_code) == (400, "missing_field")
    assert "name" in reply.body["error"]["message"]


def test_a_body_over_one_mebibyte_is_refused_with_413(crm):
    reply = crm.request("POST", "/customers", data=b'{"name": "' + b"x" * (1024 * 1024) + b'"}')
    assert (reply.status, reply.error_code) == (413, "payload_too_large")


@pytest.mark.parametrize("api,path,code", [
    ("crm", "/customers/C999", "customer_not_found"), ("crm", "/orders/99999", "order_not_found"),
    ("crm", "/returns/RMA-NOSUCH", "return_not_found"), ("billing", "/refunds/R-0000", "refund_not_found"),
    ("billing", "/invoices/INV-0", "invoice_not_found"),
    ("billing", "/subscriptions/S-000", "subscription_not_found")])
def test_unknown_ids_are_404_with_a_code(crm, billing, api, path, code):
    reply = (crm if api == "crm" else billing).get(path)
    assert (reply.status, reply.error_code) == (404, code)


def test_unknown_routes_answer_json_not_html(root):
    reply = root.get("/crm/v1/nothing-here", token=CRM_TOKEN)
    assert reply.status == 404
    assert reply.error_code == "not_found"


def test_openapi_describes_every_route_without_auth(root):
    reply = root.get("/openapi.json", token=None)
    assert reply.status == 200
    assert reply.body["openapi"].startswith("3.")
    listed = {(m, p) for p, ops in reply.body["paths"].items() for m in ops}
    assert set(CONTRACT) <= listed
    assert len(listed) == len(CONTRACT), sorted(listed - set(CONTRACT))


def test_openapi_documents_idempotency_key_on_every_write(root):
    paths = root.get("/openapi.json", token=None).body["paths"]
    for path, ops in paths.items():
        for method, op in ops.items():
            if method in ("post", "patch", "put"):
                names = [p["name"] for p in op.get("parameters", [])]
                assert "Idempotency-Key" in names, (method, path)


def test_openapi_path_parameters_match_the_path(root):
    paths = root.get("/openapi.json", token=None).body["paths"]
    for path, ops in paths.items():
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path
