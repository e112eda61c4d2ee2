"""The one interface every video-meeting provider keeps, and the errors it may raise.

Providers are plain objects built from a settings mapping: no Flask, no database. The web layer
stores the ``MeetingRef`` a provider returns and asks it for a join URL when a person presses
the join button.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_HTTP_TIMEOUT",
    "Joiner",
    "MeetingProvider",
    "MeetingRef",
    "ProviderError",
    "ProviderNotConfigured",
    "http_timeout",
    "setting",
]

DEFAULT_HTTP_TIMEOUT = 5.0


@dataclass(frozen=True)
class MeetingRef:
    """What the web layer stores per course or session once the meeting exists."""

    provider: str  # "static" | "jitsi" | "bigbluebutton"
    external_id: str  # static: the URL; jitsi: the room name; bigbluebutton: the meetingID
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Joiner:
    """Who is joining: only what the meeting needs to show and to grant rights."""

    display_name: str
    moderator: bool = False
    user_id: str | None = None


class ProviderError(Exception):
    """The provider is down, slow, or answered nonsense. Message is for logs (no personal data)."""


class ProviderNotConfigured(Exception):
    """The settings lack what this provider needs; it cannot be chosen for a course."""


@runtime_checkable
class MeetingProvider(Protocol):
    """Creates meetings (idempotently, by key) and makes the link one person follows to join."""

    name: str

    def ensure_meeting(
        self,
        *,
        key: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        voice_bridge: str | None = None,
    ) -> MeetingRef:
        """Create the meeting if needed; the same key always gives an equivalent ref.

        ``voice_bridge``: the telephone PIN to give the meeting, for providers with dial-in.
        """
        ...

    def join_url(self, ref: MeetingRef, joiner: Joiner, *, now: datetime) -> str:
        """The URL to redirect this joiner to, now (may be signed or time-limited)."""
        ...


def setting(config: Mapping[str, Any], key: str) -> str | None:
    """A text setting, with empty or blank values read as unset."""
    value = config.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def http_timeout(config: Mapping[str, Any]) -> float:
    """MEETING_HTTP_TIMEOUT in seconds: every provider HTTP call must have one."""
    value = config.get("MEETING_HTTP_TIMEOUT")
    if value is None or value == "":
        return DEFAULT_HTTP_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ProviderNotConfigured("MEETING_HTTP_TIMEOUT must be a number of seconds") from None
    if not 0 < seconds <= 120:
        raise ProviderNotConfigured("MEETING_HTTP_TIMEOUT must be between 0 and 120 seconds")
    return seconds
