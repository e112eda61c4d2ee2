"""A fake BigBlueButton API server on 127.0.0.1, real HTTP, for provider and web-layer tests.

Usage::

    with FakeBBB("secret") as bbb:          # or: bbb = FakeBBB("secret"); url = bbb.start()
        config = {"BBB_URL": bbb.url, "BBB_SECRET": "secret"}
        ...
        bbb.mode = "slow"                   # "normal" | "slow" | "error" | "garbage"
        assert "etapaiva-…" in bbb.created

It checks checksums the way BBB does (over the raw query string minus the checksum parameter,
sha1 or sha256 told apart by length), remembers created meetings, answers a repeated create
like BBB (``duplicateWarning``, or ``idNotUnique`` if ``duplicate_reply`` says so), and answers
``join`` with a redirect to a fake client page.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

API_PATH = "/bigbluebutton/api/"
MODES = ("normal", "slow", "error", "garbage")


def _strip_checksum(query: str) -> tuple[str, str | None]:
    """(query without the checksum parameter, checksum), as BBB's API controller does it."""
    checksum = None
    kept = []
    for part in query.split("&") if query else []:
        if part.startswith("checksum=") and checksum is None:
            checksum = part[len("checksum=") :]
        else:
            kept.append(part)
    return "&".join(kept), checksum


def checksum_matches(call: str, query: str, secret: str) -> bool:
    """Whether the raw query string carries a valid checksum for this API call."""
    rest, checksum = _strip_checksum(query)
    if not checksum:
        return False
    algorithm = {40: hashlib.sha1, 64: hashlib.sha256}.get(len(checksum))
    if algorithm is None:
        return False
    expected = algorithm((call + rest + secret).encode()).hexdigest()
    return hmac.compare_digest(expected, checksum.lower())


def verify_checksum(url: str, secret: str) -> bool:
    """Whether a signed BBB API URL (join, create, …) verifies with ``secret``."""
    parts = urlsplit(url)
    if API_PATH not in parts.path:
        return False
    call = parts.path.rsplit("/", 1)[-1]
    return checksum_matches(call, parts.query, secret)


@dataclass(frozen=True)
class Call:
    """One request the fake server received."""

    call: str
    params: dict[str, str]
    query: str
    checksum_ok: bool


@dataclass
class FakeBBB:
    """A BBB API double serving real HTTP on an ephemeral port of 127.0.0.1."""

    secret: str
    mode: str = "normal"
    slow_seconds: float = 5.0
    duplicate_reply: str = "duplicateWarning"  # or "idNotUnique"
    created: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving; return the API base URL (ending in /bigbluebutton/api/)."""
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-bbb",
            daemon=True,
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{API_PATH}"
        return self.url

    def stop(self) -> None:
        """Stop serving and free the port (slow answers in progress are cut short)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeBBB:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- helpers for tests ----------------------------------------------------------------

    def calls_to(self, call: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.call == call]

    def end_meeting(self, meeting_id: str) -> None:
        """Forget a meeting, as BBB does when nobody joins it or the last person leaves."""
        with self._lock:
            self.created.pop(meeting_id, None)

    # --- the API --------------------------------------------------------------------------

    def answer(self, call: str, query: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one API call; the mode was already applied."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        params.pop("checksum", None)
        ok = checksum_matches(call, query, self.secret) if call else True
        with self._lock:
            self.calls.append(Call(call, params, query, ok))
        if not call:
            return _xml("SUCCESS", version="2.7")
        if not ok:
            return _xml("FAILED", messageKey="checksumError", message="Checksums do not match")
        handler = getattr(self, f"_call_{call}", None)
        if handler is None:
            return _xml("FAILED", messageKey="unsupportedRequest", message="Unknown call")
        return handler(params)

    def _call_create(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        meeting_id = params.get("meetingID", "")
        if not meeting_id:
            return _xml("FAILED", messageKey="missingParamMeetingID", message="No meetingID")
        with self._lock:
            exists = meeting_id in self.created
            bridge = params.get("voiceBridge", "")
            taken = {p.get("voiceBridge") for key, p in self.created.items() if key != meeting_id}
            if not exists and bridge and bridge in taken:  # as BBB: one bridge, one meeting
                return _xml("FAILED", messageKey="nonUniqueVoiceBridge", message="In use")
            if not exists:
                self.created[meeting_id] = params
            stored = self.created[meeting_id]
        if exists and self.duplicate_reply == "idNotUnique":
            return _xml("FAILED", messageKey="idNotUnique", message="A meeting with that ID exists")
        extra = {"meetingID": meeting_id, "internalMeetingID": f"internal-{meeting_id}"}
        # BBB answers the meeting's voiceBridge (its own random one when none was given).
        extra |= {"voiceBridge": stored.get("voiceBridge") or "70123"}
        if stored.get("dialNumber"):
            extra |= {"dialNumber": stored["dialNumber"]}
        if exists:
            extra |= {"messageKey": "duplicateWarning", "message": "Meeting already exists"}
        return _xml("SUCCESS", **extra)

    def _call_join(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            exists = params.get("meetingID") in self.created
        if not exists:
            return _xml("FAILED", messageKey="invalidMeetingIdentifier", message="Not found")
        if params.get("role") not in ("MODERATOR", "VIEWER") or not params.get("fullName"):
            return _xml("FAILED", messageKey="missingParam", message="role or fullName")
        if params.get("redirect", "true") == "true":
            location = self.url.replace(API_PATH, "/client/") + f"?meeting={params['meetingID']}"
            return 302, {"Location": location}, b""
        return _xml("SUCCESS", meeting_id=params["meetingID"], auth_token="fake")

    def _call_isMeetingRunning(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            running = params.get("meetingID") in self.created
        return _xml("SUCCESS", running="true" if running else "false")

    def _call_end(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.end_meeting(params.get("meetingID", ""))
        return _xml("SUCCESS", messageKey="sentEndMeetingRequest", message="Ended")


def _xml(returncode: str, **elements: str) -> tuple[int, dict[str, str], bytes]:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in elements.items())
    body = f"<response><returncode>{returncode}</returncode>{inner}</response>".encode()
    return 200, {"Content-Type": "text/xml;charset=utf-8"}, body


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBBB  # set on the subclass made in FakeBBB.start

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        fake = self.fake
        if parts.path.startswith("/client/"):
            self._send(200, {"Content-Type": "text/html"}, b"<html>fake BBB client</html>")
            return
        if not parts.path.startswith(API_PATH):
            self._send(404, {"Content-Type": "text/plain"}, b"not found")
            return
        mode = fake.mode
        if mode == "slow":
            fake._stopping.wait(fake.slow_seconds)
        elif mode == "error":
            self._send(500, {"Content-Type": "text/plain"}, b"Internal Server Error")
            return
        elif mode == "garbage":
            self._send(200, {"Content-Type": "text/html"}, b"<html><body>Oops {not xml")
            return
        call = parts.path[len(API_PATH) :]
        status, headers, body = fake.answer(call, parts.query)
        self._send(status, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to tell it

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""
