"""Local stand-in for Meta's Graph API (WhatsApp Cloud, Messenger Send API) and
Twilio's Messages API, for tests: point *_API_BASE at it.

    python -m tests.support.fake_meta_api --port 8765

Provider routes answer like the real APIs (ids, error shapes) and record
every call. Control routes:
    POST /callback...                     accepts `callback` channel replies
    GET  /_fake/requests                  recorded calls (JSON list)
    POST /_fake/reset                     forget calls and pending failures
    POST /_fake/fail {"status": 429, "count": 2, "api": "whatsapp"?}
                                          the next `count` provider calls (of `api`,
                                          if given) answer `status` with an error body
Env: FAKE_WHATSAPP_TOKEN, FAKE_MESSENGER_TOKEN, FAKE_TWILIO_SID/FAKE_TWILIO_TOKEN:
when set, calls with other credentials get the provider's 401.
"""
from __future__ import annotations

import argparse
import base64
import itertools
import os
import re
from typing import Any, Dict, List, Optional

from aiohttp import web

TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
_ids = itertools.count(1)


def _api_of(path: str) -> Optional[str]:
    if path.startswith("/callback"):  # stands in for a `callback` channel client
        return "callback"
    if TWILIO_PATH.match(path):
        return "twilio"
    if path.endswith("/me/messages"):
        return "messenger"
    if path.endswith("/messages"):
        return "whatsapp"
    return None


def _error(api: str, status: int, message: str) -> web.Response:
    if api == "twilio":
        return web.json_response({"code": 20000 + status, "message": message,
                                  "status": status}, status=status)
    return web.json_response({"error": {"message": message, "type": "OAuthException",
                                        "code": status, "fbtrace_id": "FAKE"}},
                             status=status)


def _authorized(api: str, request: web.Request) -> bool:
    if api == "whatsapp" and os.environ.get("FAKE_WHATSAPP_TOKEN"):
        return request.headers.get("Authorization") == \
            f"Bearer {os.environ['FAKE_WHATSAPP_TOKEN']}"
    if api == "messenger" and os.environ.get("FAKE_MESSENGER_TOKEN"):
        return request.query.get("access_token") == os.environ["FAKE_MESSENGER_TOKEN"]
    if api == "twilio" and os.environ.get("FAKE_TWILIO_SID"):
        expected = base64.b64encode(
            f"{os.environ['FAKE_TWILIO_SID']}:{os.environ.get('FAKE_TWILIO_TOKEN', '')}"
            .encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"
    return True


def _success(api: str, record: Dict[str, Any]) -> web.Response:
    n = next(_ids)
    if api == "twilio":
        return web.json_response({"sid": f"SMfake{n:026d}", "status": "queued",
                                  "to": record["form"].get("To")}, status=201)
    if api == "callback":
        return web.json_response({"ok": True})
    if api == "messenger":
        return web.json_response({"recipient_id": (record["json"] or {}).get(
            "recipient", {}).get("id"), "message_id": f"m_fake{n}"})
    if (record["json"] or {}).get("status") == "read":
        return web.json_response({"success": True})
    return web.json_response({"messaging_product": "whatsapp",
                              "contacts": [{"input": record["json"].get("to"),
                                            "wa_id": record["json"].get("to")}],
                              "messages": [{"id": f"wamid.FAKE{n}"}]})


class FakeApi:
    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.failures: List[Dict[str, Any]] = []

    async def provider(self, request: web.Request) -> web.Response:
        api = _api_of(request.path)
        if api is None or request.method != "POST":
            return web.json_response({"error": {"message": "unknown route"}}, status=404)
        record = await self._record(api, request)
        failure = next((f for f in self.failures if f.get("api") in (None, api)), None)
        if failure:
            failure["count"] -= 1
            if failure["count"] <= 0:
                self.failures.remove(failure)
            record["answered"] = failure["status"]
            return _error(api, failure["status"], f"fake failure {failure['status']}")
        if not _authorized(api, request):
            record["answered"] = 401
            return _error(api, 401, "Invalid OAuth access token.")
        record["answered"] = 201 if api == "twilio" else 200
        return _success(api, record)

    async def _record(self, api: str, request: web.Request) -> Dict[str, Any]:
        record: Dict[str, Any] = {"api": api, "path": request.path,
                                  "query": dict(request.query),
                                  "authorization": request.headers.get("Authorization"),
                                  "json": None, "form": None}
        if request.content_type == "application/json":
            record["json"] = await request.json()
        else:
            record["form"] = dict(await request.post())
        self.calls.append(record)
        return record

    async def requests(self, _: web.Request) -> web.Response:
        return web.json_response(self.calls)

    async def reset(self, _: web.Request) -> web.Response:
        self.calls.clear()
        self.failures.clear()
        return web.json_response({"ok": True})

    async def fail(self, request: web.Request) -> web.Response:
        spec = await request.json()
        self.failures.append({"status": int(spec["status"]), "count": int(spec.get("count", 1)),
                              "api": spec.get("api")})
        return web.json_response({"ok": True})


def make_app() -> web.Application:
    fake = FakeApi()
    app = web.Application()
    app.router.add_get("/", lambda _: web.json_response({"status": "ok"}))
    app.router.add_get("/_fake/requests", fake.requests)
    app.router.add_post("/_fake/reset", fake.reset)
    app.router.add_post("/_fake/fail", fake.fail)
    app.router.add_route("*", "/{tail:.*}", fake.provider)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    web.run_app(make_app(), host="127.0.0.1", port=parser.parse_args().port, print=None)
