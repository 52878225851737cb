"""No built-in secrets, no demo accounts in production, loopback unless told otherwise."""
from __future__ import annotations

import os

import pytest

from services.inbox.config import Config, ConfigError
from tests.support.inbox import call, start_inbox

SECRET_SUFFIXES = ("_TOKEN", "_SECRET", "_PASSWORD", "_KEY")
# Demo credentials that are not .env.example's, so only the demo rule decides.
PROD_DEMO = {"INBOX_DEMO_EMAIL": "demo-agent@harbor.example", "INBOX_DEMO_PASSWORD": "p-7Qm2-agent",
             "INBOX_DEMO_SUPERVISOR_EMAIL": "demo-super@harbor.example",
             "INBOX_DEMO_SUPERVISOR_PASSWORD": "p-7Qm2-super"}


def production(extra=None):
    """HARBOR_ENV=production, without the development secrets the test runner may carry."""
    inherited = [name for name, value in os.environ.items()
                 if name.endswith(SECRET_SUFFIXES) or value.startswith("dev-")]
    return {"HARBOR_ENV": "production", **PROD_DEMO, **(extra or {})}, inherited


def test_the_inbox_refuses_to_start_without_its_service_token(tmp_path):
    env, inherited = production()
    with pytest.raises(RuntimeError, match="INBOX_SERVICE_TOKEN") as exited:
        start_inbox(tmp_path, env=env, unset=set(inherited) | {"INBOX_SERVICE_TOKEN"})
    assert "exited with" in str(exited.value)


def test_config_has_no_built_in_secrets():
    with pytest.raises(ConfigError, match="INBOX_SERVICE_TOKEN, RASA_AUTH_TOKEN"):
        Config.from_env({})
    config = Config.from_env({"INBOX_SERVICE_TOKEN": "s", "RASA_AUTH_TOKEN": "r"})
    assert (config.demo_email, config.demo_password, config.demo_supervisor_password) == ("", "", "")


def test_the_inbox_listens_on_loopback_unless_told_otherwise():
    assert Config.from_env({"INBOX_SERVICE_TOKEN": "s", "RASA_AUTH_TOKEN": "r"}).host == "127.0.0.1"


def test_production_never_creates_the_demo_accounts(tmp_path):
    env, inherited = production()
    inbox = start_inbox(tmp_path, env=env, unset=set(inherited) - {
        "INBOX_SERVICE_TOKEN", "RASA_AUTH_TOKEN", *PROD_DEMO})
    try:
        for email, password in ((PROD_DEMO["INBOX_DEMO_EMAIL"], PROD_DEMO["INBOX_DEMO_PASSWORD"]),
                                (PROD_DEMO["INBOX_DEMO_SUPERVISOR_EMAIL"],
                                 PROD_DEMO["INBOX_DEMO_SUPERVISOR_PASSWORD"])):
            status, body = call("POST", inbox.url + "/api/login",
                                {"email": email, "password": password})
            assert status == 401 and body["error"]["code"] == "wrong_credentials"
        assert "demo accounts are not created" in inbox.tail()
    finally:
        inbox.stop()


def test_development_creates_the_demo_accounts(tmp_path):
    inbox = start_inbox(tmp_path, env=PROD_DEMO)
    try:
        status, _ = call("POST", inbox.url + "/api/login",
                         {"email": PROD_DEMO["INBOX_DEMO_EMAIL"],
                          "password": PROD_DEMO["INBOX_DEMO_PASSWORD"]})
        assert status == 200
    finally:
        inbox.stop()
