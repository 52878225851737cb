"""Idempotency-Key is remembered per route, whatever way the path is written."""


def _resets(outbox, email: str) -> int:
    return len([m for m in outbox(email) if m["kind"] == "password_reset"])


def test_a_trailing_slash_does_not_send_a_second_password_reset(crm, outbox):
    first = crm.post("/customers/C003/password-reset", key="reset-c003")
    again = crm.post("/customers/C003/password-reset/", key="reset-c003")
    assert (first.status, again.status) == (200, 200)
    assert again.headers.get("idempotent-replayed") == "true"
    assert _resets(outbox, "sofia.rossi@example.com") == 1


def test_the_same_key_on_another_customer_is_a_reused_key(crm, outbox):
    assert crm.post("/customers/C004/password-reset", key="reset-shared").status == 200
    other = crm.post("/customers/C005/password-reset", key="reset-shared")
    assert (other.status, other.error_code) == (422, "idempotency_key_reused")
    assert _resets(outbox, "ava.johnson@example.com") == 0
