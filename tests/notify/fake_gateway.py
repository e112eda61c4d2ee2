"""A stand-in for GatewayAPI's REST interface on 127.0.0.1: real HTTP, for SMS tests.

Usage::

    with FakeGateway(token="secret") as gateway:     # gateway.url is the mtsms address
        config = {"SMS_PROVIDER": "gatewayapi", "SMS_API_URL": gateway.url, ...}
        gateway.mode = "error"     # "normal" | "error" (500) | "slow" (no answer in time)
                                   # | "garbage" (200, not JSON) | "huge" (an endless answer)
        gateway.accepted           # messages answered 200 with ids, in order

Like the real service it checks HTTP Basic auth (the token as the user name, an empty
password) and the JSON shape `{"sender", "message", "recipients": [{"msisdn": int}]}`, and
it refuses (400) a message longer than three SMS segments, counted on its own (not with the
code under test): GSM 03.38 septets with the escape characters counting two, else UTF-16
units. Only an answered 200 counts as accepted, so a message the gateway never answered may
be sent again, and one that was answered must never be.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

PATH = "/rest/mtsms"
MODES = ("normal", "error", "slow", "garbage", "huge")
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "^{}\\[~]|€\f"


def segments_of(text: str) -> int:
    """SMS segments of `text`, as a phone network counts them (160/153, 70/67)."""
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        costs = [2 if char in GSM_EXTENSION else 1 for char in text]
        single, part = 160, 153
    else:
        costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, part = 70, 67
    if sum(costs) <= single:
        return 1
    count, room = 1, part
    for cost in costs:
        if cost > room:
            count, room = count + 1, part
        room -= cost
    return count


@dataclass(frozen=True)
class Sms:
    msisdn: int
    sender: str
    message: str


@dataclass
class FakeGateway:
    token: str
    mode: str = "normal"
    slow_seconds: float = 5.0
    accepted: list[Sms] = field(default_factory=list)
    requests: int = 0
    refused: list[str] = field(default_factory=list)  # why requests were refused (400/401)
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._next_id = 1000

    def start(self) -> str:
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-gateway",
            daemon=True,
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"
        return self.url

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGateway:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def to(self, msisdn: int) -> list[Sms]:
        with self._lock:
            return [sms for sms in self.accepted if sms.msisdn == msisdn]

    # --- the API ----------------------------------------------------------------------------

    def check(self, authorization: str | None, body: bytes) -> tuple[int, Any]:
        """(status, answer) for one POST; records an accepted message."""
        if not self._auth_ok(authorization):
            return self._refuse(401, "auth")
        try:
            payload = json.loads(body)
        except ValueError:
            return self._refuse(400, "json")
        shape_ok = (
            isinstance(payload, dict)
            and set(payload) == {"sender", "message", "recipients"}
            and isinstance(payload["sender"], str)
            and 0 < len(payload["sender"]) <= 11
            and isinstance(payload["message"], str)
            and payload["message"]
            and isinstance(payload["recipients"], list)
            and len(payload["recipients"]) == 1
            and set(payload["recipients"][0]) == {"msisdn"}
            and isinstance(payload["recipients"][0]["msisdn"], int)
        )
        if not shape_ok:
            return self._refuse(400, "shape")
        if segments_of(payload["message"]) > 3:
            return self._refuse(400, "too long")
        with self._lock:
            self._next_id += 1
            self.accepted.append(
                Sms(payload["recipients"][0]["msisdn"], payload["sender"], payload["message"])
            )
            return 200, {"ids": [self._next_id], "usage": {"currency": "EUR"}}

    def _auth_ok(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.token and password == ""

    def _refuse(self, status: int, why: str) -> tuple[int, Any]:
        with self._lock:
            self.refused.append(why)
        return status, {"code": "0x0" + str(status), "message": why}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGateway
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with fake._lock:
            fake.requests += 1
        if self.path != PATH:
            self._send(404, b"not found", "text/plain")
            return
        mode = fake.mode
        if mode == "slow":
            fake._stopping.wait(fake.slow_seconds)
            self._send(200, b'{"ids": [1]}', "application/json")  # too late: not counted
            return
        if mode == "error":
            self._send(500, b"Internal Server Error", "text/plain")
            return
        if mode == "garbage":
            self._send(200, b"<html>Oops {not json", "text/html")
            return
        if mode == "huge":
            self._send(200, b'{"ids": [1], "pad": "' + b"x" * (1024 * 1024) + b'"}', "text/plain")
            return
        status, answer = fake.check(self.headers.get("Authorization"), body)
        self._send(status, json.dumps(answer).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""
