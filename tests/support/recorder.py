"""A tiny HTTP server that records what it is sent: a stand-in for Rasa's HTTP
API or for a customer's callback endpoint. `GET /_recorded` returns the list.

Run: python tests/inbox/recorder.py PORT  (RECORDER_FAIL=substring answers 500
for matching paths, to test how callers handle a failing Rasa; RECORDER_TRACKER=
a JSON file answers GETs of `.../tracker`, as Rasa's tracker endpoint would).
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORDED = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        tracker = os.environ.get("RECORDER_TRACKER")
        if tracker and self.path.split("?")[0].endswith("/tracker"):
            with open(tracker) as canned:
                return self._reply(200, json.load(canned))
        with LOCK:
            self._reply(200, RECORDED if self.path == "/_recorded" else {"ok": True})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        with LOCK:
            RECORDED.append({"path": self.path, "body": json.loads(raw) if raw else None})
        fail = os.environ.get("RECORDER_FAIL")
        self._reply(500 if fail and fail in self.path else 200, {"ok": True})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
