"""Login under attack: limits per account and address, hashing off the event loop,
JSON only, deactivating an agent, and a Secure cookie over HTTPS."""
from __future__ import annotations

import threading
import time
import urllib.request

import pytest

from tests.support.inbox import (AGENT, SUPERVISOR, call, exchange, hand_off, login,
                                 standing_desk_package, start_inbox)

PER_ACCOUNT, PER_ADDRESS = 3, 6


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """An inbox behind a trusted proxy on loopback, with small limits."""
    inbox = start_inbox(tmp_path_factory.mktemp("guarded"), env={
        "INBOX_TRUSTED_PROXIES": "127.0.0.1", "INBOX_LOGIN_WINDOW_SECONDS": "60",
        "INBOX_LOGIN_FAILURES_PER_ACCOUNT": str(PER_ACCOUNT),
        "INBOX_LOGIN_FAILURES_PER_ADDRESS": str(PER_ADDRESS)})
    yield inbox
    inbox.stop()


def attempt(inbox, email, password, address, proto=None):
    headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
    if proto:
        headers["X-Forwarded-Proto"] = proto
    body = f'{{"email": "{email}", "password": "{password}"}}'.encode()
    return exchange("POST", inbox.url + "/api/login", body, headers)


def new_agent(inbox, email, password):
    status, created = call("POST", inbox.url + "/api/agents", {
        "email": email, "name": email.split("@")[0].title(), "password": password},
        token=login(inbox, SUPERVISOR))
    assert status == 201, created
    return created


def test_wrong_passwords_lock_the_account_with_retry_after(guarded):
    new_agent(guarded, "kim@harbor.example", "kim-pass-123")
    for _ in range(PER_ACCOUNT):
        assert attempt(guarded, "kim@harbor.example", "guess", "198.51.100.1")[0] == 401
    status, headers, body = attempt(guarded, "kim@harbor.example", "kim-pass-123", "198.51.100.2")
    assert status == 429 and body["error"]["code"] == "too_many_attempts"
    assert 0 < int(headers["Retry-After"]) <= 60
    assert "too_many_attempts" in guarded.tail(50)
    # Someone else's account from the same address is not locked.
    assert attempt(guarded, SUPERVISOR[0], SUPERVISOR[1], "198.51.100.1")[0] == 200


def test_guessing_many_accounts_from_one_address_is_limited_per_address(guarded):
    for n in range(PER_ADDRESS):
        assert attempt(guarded, f"nobody{n}@harbor.example", "guess", "203.0.113.9")[0] == 401
    status, headers, _ = attempt(guarded, "nobody-else@harbor.example", "guess", "203.0.113.9")
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert attempt(guarded, "nobody-else@harbor.example", "guess", "203.0.113.10")[0] == 401


def test_parallel_bogus_logins_do_not_stall_other_requests(guarded):
    def bogus(n):
        attempt(guarded, f"burst{n}@harbor.example", "guess", f"192.0.2.{n + 1}")

    burst = [threading.Thread(target=bogus, args=(n,)) for n in range(30)]
    slowest, began = 0.0, time.monotonic()
    for thread in burst:
        thread.start()
    while any(thread.is_alive() for thread in burst):
        started = time.monotonic()
        urllib.request.urlopen(guarded.url + "/health", timeout=10).read()
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.05)
    for thread in burst:
        thread.join()
    took = time.monotonic() - began
    print(f"30 parallel bogus logins took {took:.2f} s; slowest /health meanwhile {slowest:.3f} s")
    # Hashing on the event loop makes a health check wait for the queued guesses
    # (about the whole burst); off the loop it waits for none of them.
    assert slowest < took / 3


@pytest.mark.parametrize("content_type,data", [
    ("application/x-www-form-urlencoded", b"email=a%40b.c&password=x"),
    ("text/plain", b'{"email": "agent@harbor.example", "password": "harbor-demo"}'),
])
def test_login_refuses_bodies_that_are_not_json(inbox, content_type, data):
    status, _, body = exchange("POST", inbox.url + "/api/login", data,
                               {"Content-Type": content_type})
    assert status == 415 and body["error"]["code"] == "json_required"


def test_a_deactivated_agent_cannot_log_in_and_their_sessions_end_at_once(guarded):
    boss = login(guarded, SUPERVISOR)
    robin = new_agent(guarded, "robin@harbor.example", "robin-pass-1")
    token = login(guarded, ("robin@harbor.example", "robin-pass-1"))
    _, created = hand_off(guarded, standing_desk_package("+14155550501"))
    assert call("POST", f"{guarded.url}/api/handoffs/{created['id']}/claim", {}, token=token)[0] == 200
    deactivate = f"{guarded.url}/api/agents/{robin['id']}/deactivate"
    assert call("POST", deactivate, {}, token=login(guarded))[0] == 403  # agents cannot

    status, answer = call("POST", deactivate, {}, token=boss)
    assert status == 200 and answer["active"] is False
    assert answer["sessions_revoked"] == 1 and answer["handoffs_requeued"] == 1
    assert call("GET", guarded.url + "/api/me", token=token)[0] == 401
    status, body = call("POST", guarded.url + "/api/login",
                        {"email": "robin@harbor.example", "password": "robin-pass-1"})
    assert status == 403 and body["error"]["code"] == "account_deactivated"
    _, detail = call("GET", f"{guarded.url}/api/handoffs/{created['id']}", token=boss)
    assert detail["status"] == "waiting" and detail["claimed_by"] is None

    assert call("POST", f"{guarded.url}/api/agents/{robin['id']}/activate", {}, token=boss)[0] == 200
    assert login(guarded, ("robin@harbor.example", "robin-pass-1"))


def _cookie(inbox, proto=None):
    status, headers, _ = attempt(inbox, AGENT[0], AGENT[1], "192.0.2.200", proto)
    assert status == 200
    return headers["Set-Cookie"]


def test_the_session_cookie_is_secure_over_https_from_a_trusted_proxy(guarded):
    assert "Secure" in _cookie(guarded, "https")
    assert "Secure" not in _cookie(guarded)


def test_an_untrusted_client_cannot_claim_https_or_another_address(inbox):
    assert "Secure" not in _cookie(inbox, "https")
