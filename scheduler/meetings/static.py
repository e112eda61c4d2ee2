"""A link a planner pasted (Teams, Zoom, …): nothing to create, the same URL for everyone."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from .base import Joiner, MeetingRef, ProviderError, ProviderNotConfigured

__all__ = ["MAX_URL_LENGTH", "StaticProvider", "validate_static_url"]

MAX_URL_LENGTH = 2000
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\"<>\\^`{|}]")


def validate_static_url(url: str | None) -> str | None:
    """Return an error code ("required", "too_long", "not_https", "invalid") or None if valid.

    Only https is allowed: the link is shown to clients as the way into the session, so it
    must not be a plain-http or script URL. The caller strips surrounding whitespace first.
    """
    if not url:
        return "required"
    if len(url) > MAX_URL_LENGTH:
        return "too_long"
    if _FORBIDDEN.search(url):
        return "invalid"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "invalid"
    if parts.scheme.lower() != "https":
        return "not_https"
    if not parts.hostname or "@" in parts.netloc:
        return "invalid"  # no host, or credentials in the URL (a phishing pattern)
    return None


class StaticProvider:
    """The pasted URL is the meeting; join links come from the stored ref, not from here."""

    name = "static"

    def __init__(self, url: str | None = None) -> None:
        if url is not None and (error := validate_static_url(url)):
            raise ValueError(f"invalid static meeting URL: {error}")
        self._url = url

    def ensure_meeting(
        self,
        *,
        key: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        voice_bridge: str | None = None,
    ) -> MeetingRef:
        """Return the pasted URL as the ref; there is nothing to create."""
        if self._url is None:
            raise ProviderNotConfigured("the static provider needs the pasted URL")
        return MeetingRef(provider=self.name, external_id=self._url)

    def join_url(self, ref: MeetingRef, joiner: Joiner, *, now: datetime) -> str:
        """The stored URL, checked again so a bad row never becomes a redirect target."""
        if ref.provider != self.name:
            raise ValueError(f"not a static meeting: {ref.provider}")
        if validate_static_url(ref.external_id):
            raise ProviderError("stored static meeting URL is not a valid https URL")
        return ref.external_id
