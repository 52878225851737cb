"""Approvals end to end: a refund over $500 waits for a person; the approver's
decision is carried out in billing and told to the customer on their channel.
Callback channel -> Rasa -> action server -> CRM/billing -> inbox -> billing."""
from __future__ import annotations

import uuid

from tests.support.callback import callback_texts, customer_says, handoff_of, tap, wait_for_reply
from tests.support.channels import wait_for
from tests.support.crm import clients
from tests.support.inbox import SERVICE_TOKEN, SUPERVISOR, call, login


def _return_the_desk_for_store_credit(rasa, fake_meta, sender: str) -> None:
    customer_says(rasa, sender, "I want to return the standing desk from order 10239")
    wait_for_reply(fake_meta, sender, 0, "email")
    customer_says(rasa, sender, "ava.johnson@example.com")
    wait_for_reply(fake_meta, sender, 0, "why")
    customer_says(rasa, sender, "too big for my room")
    wait_for_reply(fake_meta, sender, 0, "damaged")
    tap(fake_meta, rasa, sender, "None of these")
    wait_for_reply(fake_meta, sender, 0, "store credit")
    tap(fake_meta, rasa, sender, "Store credit +10%")
    wait_for_reply(fake_meta, sender, 0, "approved by a person")
    tap(fake_meta, rasa, sender, "Yes, create it")
    wait_for_reply(fake_meta, sender, 0, "won't need to repeat")


def _pending_approval_of(inbox, token: str, sender: str):
    _, body = call("GET", f"{inbox.url}/api/approvals?status=pending", token=token)
    return next((a for a in body["approvals"] if a["sender_id"] == f"callback:{sender}"), None)


def test_an_approver_agent_denies_with_a_reason_the_customer_is_told_and_billing_never_issues(
        rasa, inbox, fake_meta, demo_crm):
    """Runs first (the seed has one order over $500): the refund is made in
    billing and handed off the way the bot does, so the desk is still returnable."""
    supervisor = login(inbox, SUPERVISOR)
    email = f"approver-{uuid.uuid4().hex[:6]}@harbor.example"
    status, created = call("POST", f"{inbox.url}/api/agents",
                           {"email": email, "name": "Riley Approver", "password": "approver-pass-1",
                            "team": "returns", "approver": True}, token=supervisor)
    assert status == 201 and created["approver"] is True
    approver = login(inbox, (email, "approver-pass-1"))

    billing = clients(demo_crm)["billing"]
    refund = billing.post("/refunds", {"order_id": "10239", "amount": "600.00", "reason": "goodwill"},
                          key=uuid.uuid4().hex).body
    assert refund["status"] == "pending_approval"
    sender = f"ava-{uuid.uuid4().hex[:6]}"
    customer_says(rasa, sender, "hi")  # the conversation exists on the callback channel
    wait_for_reply(fake_meta, sender, 0)
    status, _ = call("POST", f"{inbox.url}/api/internal/handoffs", {
        "sender_id": f"callback:{sender}", "input_channel": "callback", "queue": "returns",
        "reason": "goodwill refund over $500 needs approval", "context": {"customer": {
            "id": "C005", "name": "Ava Johnson", "email": "ava.johnson@example.com"}},
        "approval": {"kind": "refund", "subject_id": refund["id"], "order_id": "10239",
                     "amount": "600.00", "reason": "goodwill"}}, token=SERVICE_TOKEN)
    assert status in (200, 201)
    approval = _pending_approval_of(inbox, approver, sender)
    assert approval["facts"]["customer"]["name"] == "Ava Johnson"

    status, body = call("POST", f"{inbox.url}/api/approvals/{approval['id']}/deny", {}, token=approver)
    assert status == 400  # the customer is told why: a note is required
    status, body = call("POST", f"{inbox.url}/api/approvals/{approval['id']}/deny",
                        {"note": "The desk was assembled and used for months"}, token=approver)
    assert status == 200 and body["status"] == "denied"
    assert billing.get(f"/refunds/{refund['id']}").body["status"] == "denied"
    told = wait_for_reply(fake_meta, sender, 0, "was not approved")
    assert "assembled and used for months" in told and "a person" in told


def test_a_refund_over_500_waits_for_a_supervisor_who_approves_it_in_billing_and_the_customer_hears(
        rasa, inbox, fake_meta, demo_crm):
    sender = f"ava-{uuid.uuid4().hex[:6]}"
    _return_the_desk_for_store_credit(rasa, fake_meta, sender)
    supervisor = login(inbox, SUPERVISOR)
    approval = wait_for(lambda: _pending_approval_of(inbox, supervisor, sender), timeout=30,
                        what="the pending approval")
    facts = approval["facts"]
    assert approval["kind"] == "refund" and facts["order_id"] == "10239"
    assert facts["customer"]["email"] == "ava.johnson@example.com" and facts["reason"]
    assert float(facts["amount"]) > 500 and approval["handoff_id"]
    billing = clients(demo_crm)["billing"]
    assert billing.get(f"/refunds/{approval['subject_id']}").body["status"] == "pending_approval"

    # a plain agent may not decide
    agent = login(inbox)
    status, body = call("POST", f"{inbox.url}/api/approvals/{approval['id']}/approve", {"note": "ok"},
                        token=agent)
    assert status == 403 and body["error"]["code"] == "forbidden"

    seen = len(callback_texts(fake_meta, sender))
    status, body = call("POST", f"{inbox.url}/api/approvals/{approval['id']}/approve",
                        {"note": "Checked the order: desk is unused."}, token=supervisor)
    assert status == 200, body
    assert body["status"] == "approved" and body["customer_notified"] is True
    assert billing.get(f"/refunds/{approval['subject_id']}").body["status"] == "issued"
    told = wait_for_reply(fake_meta, sender, seen, "has been approved")
    assert "10239" in told and "store credit" in told.lower()

    # one decision only; the audit log has who, what and the note
    status, body = call("POST", f"{inbox.url}/api/approvals/{approval['id']}/deny", {"note": "no"},
                        token=supervisor)
    assert status == 409 and body["error"]["code"] == "approval_decided"
    _, detail = call("GET", f"{inbox.url}/api/approvals/{approval['id']}", token=supervisor)
    actions = [(row["action"], row["actor"]) for row in detail["audit"]]
    assert ("approval.requested", "bot") in actions
    assert ("approval.approved", SUPERVISOR[0]) in actions
    assert next(r for r in detail["audit"] if r["action"] == "approval.approved")["note"] == \
        "Checked the order: desk is unused."
    # the handoff's transcript shows what the customer was told
    handoff = handoff_of(inbox, supervisor, sender)
    _, conversation = call("GET", f"{inbox.url}/api/handoffs/{handoff['id']}", token=supervisor)
    assert any("has been approved" in m["text"] for m in conversation["messages"])


