"""Who may do what: agents by login, supervisors for queues, the bot by service token."""
from __future__ import annotations

import pytest

from tests.support.inbox import AGENT, SERVICE_TOKEN, SUPERVISOR, call, hand_off, login

AGENT_ROUTES = [
    ("GET", "/api/me", None), ("GET", "/api/handoffs?status=waiting", None),
    ("GET", "/api/handoffs/1", None), ("POST", "/api/handoffs/1/claim", {}),
    ("POST", "/api/handoffs/1/messages", {"text": "hi"}),
    ("POST", "/api/handoffs/1/notes", {"text": "note"}),
    ("POST", "/api/handoffs/1/release", {}),
    ("POST", "/api/handoffs/1/close", {"resolution": "resolved"}),
    ("GET", "/api/handoffs/1/events?after=0", None), ("GET", "/api/queues", None),
    ("GET", "/api/agents", None), ("POST", "/api/logout", {}),
]


def test_login_with_the_right_password_returns_a_working_token(inbox):
    token = login(inbox)
    status, me = call("GET", inbox.url + "/api/me", token=token)
    assert status == 200
    assert me["email"] == AGENT[0] and me["role"] == "agent"


@pytest.mark.parametrize("email,password", [(AGENT[0], "wrong-password"),
                                            ("nobody@harbor.example", AGENT[1])])
def test_login_with_a_wrong_email_or_password_is_refused(inbox, email, password):
    status, body = call("POST", inbox.url + "/api/login", {"email": email, "password": password})
    assert status == 401 and body["error"]["code"] == "wrong_credentials"


def test_login_with_a_malformed_body_is_a_400(inbox):
    status, body = call("POST", inbox.url + "/api/login", ["not", "an", "object"])
    assert status == 400 and body["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("method,path,body", AGENT_ROUTES)
@pytest.mark.parametrize("token", [None, "wrong-token", SERVICE_TOKEN])
def test_agent_api_refuses_calls_without_a_valid_session(inbox, method, path, body, token):
    status, answer = call(method, inbox.url + path, body, token=token)
    assert status == 401 and answer["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_internal_handoff_needs_the_service_token(inbox, token):
    status, body = call("POST", inbox.url + "/api/internal/handoffs",
                        {"sender_id": "s-auth"}, token=token)
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_an_agent_session_is_not_the_service_token(inbox):
    status, _ = call("POST", inbox.url + "/api/internal/handoffs", {"sender_id": "s-auth"},
                     token=login(inbox))
    assert status == 401


def test_queues_are_for_supervisors_only(inbox):
    status, body = call("GET", inbox.url + "/api/queues", token=login(inbox))
    assert status == 403 and body["error"]["code"] == "forbidden"


def test_supervisor_sees_counts_by_queue_and_who_holds_what(inbox):
    hand_off(inbox, {"sender_id": "s-queue-1", "queue": "billing", "priority": "high"})
    hand_off(inbox, {"sender_id": "s-queue-2", "queue": "billing"})
    status, held = hand_off(inbox, {"sender_id": "s-queue-3", "queue": "orders"})
    agent = login(inbox)
    assert call("POST", f"{inbox.url}/api/handoffs/{held['id']}/claim", {}, token=agent)[0] == 200

    status, view = call("GET", inbox.url + "/api/queues", token=login(inbox, SUPERVISOR))
    assert status == 200
    billing = next(q for q in view["queues"] if q["queue"] == "billing")
    assert billing["waiting"] == {"high": 1, "normal": 1}
    holder = next(a for a in view["agents"] if a["email"] == AGENT[0])
    assert [h["sender_id"] for h in holder["holding"]] == ["s-queue-3"]


def test_supervisor_creates_agents_and_agents_cannot(inbox):
    new = {"email": "Jo@Harbor.example", "name": "Jo", "password": "long-enough-1",
           "team": "billing"}
    assert call("POST", inbox.url + "/api/agents", new, token=login(inbox))[0] == 403
    status, body = call("POST", inbox.url + "/api/agents", new, token=login(inbox, SUPERVISOR))
    assert status == 201 and body["email"] == "jo@harbor.example"
    assert call("POST", inbox.url + "/api/agents", new, token=login(inbox, SUPERVISOR))[0] == 409
    assert login(inbox, ("jo@harbor.example", "long-enough-1"))


def test_logout_ends_the_session(inbox):
    token = login(inbox)
    assert call("POST", inbox.url + "/api/logout", {}, token=token)[0] == 200
    assert call("GET", inbox.url + "/api/me", token=token)[0] == 401


def test_cookie_session_posts_must_be_json_so_forms_from_other_sites_fail(inbox):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(inbox.url + "/api/logout", data=b"x=1", method="POST", headers={
        "Cookie": f"inbox_session={login(inbox)}",
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as err:
        assert err.code == 415
    else:
        raise AssertionError("a form post with the session cookie was accepted")
