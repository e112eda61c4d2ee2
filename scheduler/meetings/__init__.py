"""Video-meeting providers behind one small interface, built from plain settings.

Pure building blocks: no Flask and no database here. The web layer keeps a ``MeetingRef`` per
course or session and calls ``build_provider(ref.provider, app.config)`` when it needs one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from .base import (
    DEFAULT_HTTP_TIMEOUT,
    Joiner,
    MeetingProvider,
    MeetingRef,
    ProviderError,
    ProviderNotConfigured,
    http_timeout,
    setting,
)
from .bigbluebutton import BigBlueButtonProvider
from .jitsi import JitsiProvider
from .static import StaticProvider, validate_static_url

__all__ = [
    "DEFAULT_HTTP_TIMEOUT",
    "PROVIDERS",
    "BigBlueButtonProvider",
    "JitsiProvider",
    "Joiner",
    "MeetingProvider",
    "MeetingRef",
    "ProviderError",
    "ProviderNotConfigured",
    "StaticProvider",
    "build_provider",
    "configured_providers",
    "validate_static_url",
]

PROVIDERS = ("static", "jitsi", "bigbluebutton")


def _room_secret(config: Mapping[str, Any]) -> str | None:
    return (
        setting(config, "JITSI_APP_SECRET")
        or setting(config, "ROOM_SECRET")
        or setting(config, "SECRET_KEY")
    )


def configured_providers(config: Mapping[str, Any]) -> frozenset[str]:
    """The providers a course may choose with these settings ("static" always)."""
    names = {"static"}
    if setting(config, "JITSI_BASE_URL") and _room_secret(config):
        names.add("jitsi")
    if setting(config, "BBB_URL") and setting(config, "BBB_SECRET"):
        names.add("bigbluebutton")
    return frozenset(names)


def build_provider(
    name: str,
    config: Mapping[str, Any],
    *,
    static_url: str | None = None,
    session: requests.Session | None = None,
) -> MeetingProvider:
    """The provider called ``name``, or ProviderNotConfigured if the settings lack its keys.

    ``static_url`` is only needed to create a static meeting; join links come from the ref.
    ``session`` lets callers share a connection pool (and tests inject one).
    """
    if name == "static":
        return StaticProvider(static_url)
    if name == "jitsi":
        base_url = setting(config, "JITSI_BASE_URL")
        room_secret = _room_secret(config)
        if not base_url or not room_secret:
            raise ProviderNotConfigured("jitsi needs JITSI_BASE_URL and a secret")
        return JitsiProvider(
            base_url,
            room_secret=room_secret,
            app_id=setting(config, "JITSI_APP_ID"),
            app_secret=setting(config, "JITSI_APP_SECRET"),
        )
    if name == "bigbluebutton":
        api_url = setting(config, "BBB_URL")
        secret = setting(config, "BBB_SECRET")
        if not api_url or not secret:
            raise ProviderNotConfigured("bigbluebutton needs BBB_URL and BBB_SECRET")
        return BigBlueButtonProvider(
            api_url,
            secret,
            timeout=http_timeout(config),
            session=session,
            algorithm=setting(config, "BBB_CHECKSUM_ALGORITHM") or "sha1",
            dial_number=setting(config, "BBB_DIAL_NUMBER"),
        )
    raise ProviderNotConfigured(f"unknown meeting provider: {name}")
