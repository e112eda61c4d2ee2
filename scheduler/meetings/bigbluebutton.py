"""BigBlueButton: a signed ``create`` call (idempotent for one meetingID), then signed join URLs.

BBB verifies ``checksum = sha1(callName + queryString + secret)`` over the exact query string
it receives, so the query is encoded once here and sent as it is. BBB ends a meeting a few
minutes after it is created if nobody joins, and soon after the last person leaves, so the
web layer should call ``ensure_meeting`` again shortly before redirecting someone to
``join_url``; a repeated create for a live meeting is harmless.
"""

from __future__ import annotations

import hashlib
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

import requests

from .base import Joiner, MeetingRef, ProviderError, ProviderNotConfigured

__all__ = ["MEETING_PREFIX", "BigBlueButtonProvider", "meeting_id", "signed_query"]

log = logging.getLogger(__name__)

MEETING_PREFIX = "etapaiva-"
MAX_NAME_LENGTH = 256
MAX_RESPONSE_BYTES = 64 * 1024
# Replies that mean "this meeting exists already": fine for an idempotent create.
_ALREADY_EXISTS = frozenset({"idNotUnique", "duplicateWarning"})
_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


def meeting_id(key: str) -> str:
    """A stable meetingID for a course/session key (no commas or spaces, whatever the key).

    It is not secret: every BBB call, joining included, needs the server's shared secret.
    """
    return MEETING_PREFIX + hashlib.sha256(f"bbb-meeting:{key}".encode()).hexdigest()[:32]


def signed_query(
    call: str, params: Iterable[tuple[str, str]], secret: str, algorithm: str = "sha1"
) -> str:
    """The query string for an API call, with its checksum appended last."""
    query = urlencode(list(params), quote_via=quote)
    checksum = _ALGORITHMS[algorithm]((call + query + secret).encode()).hexdigest()
    return f"{query}&checksum={checksum}" if query else f"checksum={checksum}"


class BigBlueButtonProvider:
    """Meetings on one BBB server, found by BBB_URL (ending in /bigbluebutton/api/)."""

    name = "bigbluebutton"

    def __init__(
        self,
        api_url: str,
        secret: str,
        *,
        timeout: float,
        session: requests.Session | None = None,
        algorithm: str = "sha1",
        dial_number: str | None = None,
    ) -> None:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProviderNotConfigured("BBB_URL must be an http(s) address")
        if not secret:
            raise ProviderNotConfigured("BBB_SECRET is missing")
        if algorithm not in _ALGORITHMS:
            raise ProviderNotConfigured("BBB checksum algorithm must be sha1 or sha256")
        self._api_url = api_url if api_url.endswith("/") else api_url + "/"
        self._secret = secret
        self._timeout = timeout
        self._session = session
        self._algorithm = algorithm
        self._dial_number = dial_number

    def ensure_meeting(
        self,
        *,
        key: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        voice_bridge: str | None = None,
    ) -> MeetingRef:
        """Create the meeting on the server, or accept that it exists already."""
        ident = meeting_id(key)
        params = [
            ("meetingID", ident),
            ("name", (title.strip() or ident)[:MAX_NAME_LENGTH]),
            ("record", "false"),
        ]
        if self._dial_number and voice_bridge:
            params += [("dialNumber", self._dial_number), ("voiceBridge", voice_bridge)]
        root = self._call("create", params)
        returncode = (root.findtext("returncode") or "").strip()
        message_key = (root.findtext("messageKey") or "").strip()
        if returncode != "SUCCESS" and message_key not in _ALREADY_EXISTS:
            raise ProviderError(f"BBB create {ident} answered {returncode or '?'}/{message_key}")
        extra = {}
        if voice_bridge and self._dial_number:
            answered = (root.findtext("voiceBridge") or "").strip()
            if answered and answered != voice_bridge:  # an older meeting: the PIN shown is wrong
                log.warning("BBB meeting %s has voiceBridge other than its course's PIN", ident)
            extra = {"voice_bridge": voice_bridge, "dial_number": self._dial_number}
        return MeetingRef(provider=self.name, external_id=ident, extra=extra)

    def join_url(self, ref: MeetingRef, joiner: Joiner, *, now: datetime) -> str:
        """A signed join URL; BBB checks it when the browser arrives, so no call is made here."""
        if ref.provider != self.name:
            raise ValueError(f"not a BigBlueButton meeting: {ref.provider}")
        params = [
            ("fullName", joiner.display_name),
            ("meetingID", ref.external_id),
            ("role", "MODERATOR" if joiner.moderator else "VIEWER"),
            ("redirect", "true"),
        ]
        if joiner.user_id:
            params.append(("userID", joiner.user_id))
        return f"{self._api_url}join?{signed_query('join', params, self._secret, self._algorithm)}"

    def _call(self, call: str, params: list[tuple[str, str]]) -> ET.Element:
        url = f"{self._api_url}{call}?{signed_query(call, params, self._secret, self._algorithm)}"
        deadline = time.monotonic() + 2 * self._timeout
        try:
            if self._session is not None:
                body = self._fetch(self._session, url, deadline)
            else:
                with requests.Session() as session:
                    body = self._fetch(session, url, deadline)
        except requests.Timeout:
            raise ProviderError(f"BBB {call} timed out") from None
        except requests.RequestException as error:
            raise ProviderError(f"BBB {call} failed: {type(error).__name__}") from None
        return _parse(call, body)

    def _fetch(self, session: requests.Session, url: str, deadline: float) -> bytes:
        # A read timeout applies per socket read; the deadline also bounds a server that
        # trickles bytes, and the size limit one that sends too many.
        with session.get(
            url, timeout=(self._timeout, self._timeout), stream=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise ProviderError(f"BBB answered HTTP {response.status_code}")
            chunks = []
            size = 0
            for chunk in response.iter_content(chunk_size=8192):
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise ProviderError("BBB answer is too large")
                if time.monotonic() > deadline:
                    raise ProviderError("BBB answer took too long")
                chunks.append(chunk)
            return b"".join(chunks)


def _parse(call: str, body: bytes) -> ET.Element:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ProviderError(f"BBB {call} answer has a DOCTYPE")  # never expand entities
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise ProviderError(f"BBB {call} answer is not XML") from None
    if root.tag != "response" or root.find("returncode") is None:
        raise ProviderError(f"BBB {call} answer is not an API response")
    return root
