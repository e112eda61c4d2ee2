"""Self-hosted Jitsi Meet: rooms need no create call, so the room name itself must be secret.

The room name is an HMAC of the course/session key, which makes it stable (no state to keep)
and impossible to guess from the key. When the server uses token authentication
(JITSI_APP_ID and JITSI_APP_SECRET), every join link carries a short-lived HS256 JWT as
Jitsi's prosody token plugin expects it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import jwt

from .base import Joiner, MeetingRef, ProviderNotConfigured

__all__ = ["ROOM_PREFIX", "TOKEN_LIFETIME", "JitsiProvider", "room_name"]

ROOM_PREFIX = "etapaiva-"
TOKEN_LIFETIME = timedelta(hours=4)
# A token outlives the meeting's end by at most TOKEN_GRACE, and lives at least TOKEN_MINIMUM.
TOKEN_GRACE = timedelta(hours=1)
TOKEN_MINIMUM = timedelta(minutes=15)
CLOCK_SKEW = timedelta(minutes=1)


def room_name(key: str, secret: str) -> str:
    """A stable, hard-to-guess room: 24 base32 characters (120 bits) of HMAC-SHA256."""
    digest = hmac.new(secret.encode(), f"jitsi-room:{key}".encode(), hashlib.sha256).digest()
    return ROOM_PREFIX + base64.b32encode(digest).decode("ascii").lower()[:24]


class JitsiProvider:
    """Join links to ``{base_url}/{room}``, with a JWT when token auth is configured."""

    name = "jitsi"

    def __init__(
        self,
        base_url: str,
        *,
        room_secret: str,
        app_id: str | None = None,
        app_secret: str | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProviderNotConfigured("JITSI_BASE_URL must be an http(s) address")
        if bool(app_id) != bool(app_secret):
            raise ProviderNotConfigured("JITSI_APP_ID and JITSI_APP_SECRET go together")
        if not room_secret:
            raise ProviderNotConfigured("Jitsi rooms need a secret to derive room names")
        self._base_url = base_url.rstrip("/")
        self._domain = parts.hostname
        self._room_secret = room_secret
        self._app_id = app_id
        self._app_secret = app_secret

    def ensure_meeting(
        self,
        *,
        key: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        voice_bridge: str | None = None,
    ) -> MeetingRef:
        """No HTTP call: Jitsi opens a room when the first person arrives."""
        extra = {"ends_at": ends_at.astimezone(UTC).isoformat()}
        return MeetingRef(
            provider=self.name, external_id=room_name(key, self._room_secret), extra=extra
        )

    def join_url(self, ref: MeetingRef, joiner: Joiner, *, now: datetime) -> str:
        """The room URL; with token auth, a JWT valid for a few hours from ``now``."""
        if ref.provider != self.name:
            raise ValueError(f"not a Jitsi meeting: {ref.provider}")
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        url = f"{self._base_url}/{quote(ref.external_id, safe='')}"
        if self._app_id and self._app_secret:
            return f"{url}?jwt={self._token(ref, joiner, now)}"
        # Without tokens the pre-join screen asks for a name; offer the one we know.
        name = quote(json.dumps(joiner.display_name, ensure_ascii=False), safe="")
        return f"{url}#userInfo.displayName={name}"

    def _token(self, ref: MeetingRef, joiner: Joiner, now: datetime) -> str:
        expires = now + TOKEN_LIFETIME
        cap = _meeting_end(ref)
        # An end already past (a per-course ref made with an early session) is no cap at all.
        if cap is not None and cap + TOKEN_GRACE > now + TOKEN_MINIMUM:
            expires = min(expires, cap + TOKEN_GRACE)
        user: dict[str, object] = {"name": joiner.display_name, "moderator": joiner.moderator}
        if joiner.user_id:
            user["id"] = joiner.user_id
        claims = {
            "aud": "jitsi",
            "iss": self._app_id,
            "sub": self._domain,
            "room": ref.external_id,
            "iat": int(now.timestamp()),
            "nbf": int((now - CLOCK_SKEW).timestamp()),
            "exp": int(expires.timestamp()),
            "moderator": joiner.moderator,
            "context": {"user": user},
        }
        return jwt.encode(claims, self._app_secret or "", algorithm="HS256")


def _meeting_end(ref: MeetingRef) -> datetime | None:
    try:
        value = datetime.fromisoformat(ref.extra.get("ends_at", ""))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None
