"""Telephone dial-in for BigBlueButton meetings: the number to call and the PIN it asks for.

The PIN is the meeting's ``voiceBridge``. It is fixed per course (every session's meeting is
created with the same one), so the card, the emails and the personal page can show it days
before the meeting exists. The affine map below is a permutation of the five-digit numbers,
so two courses never share a PIN (within 90,000 courses); sessions of one course do not run at
the same time, so their meetings never ask BBB for the same voiceBridge at once. Pure: no
Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .base import setting

__all__ = ["DialIn", "dial_in", "voice_bridge"]

PINS = 90_000  # five-digit PINs 10000–99999
_STEP = 7_919  # a prime that shares no factor with 90,000: the map is one-to-one
_SHIFT = 48_271


@dataclass(frozen=True)
class DialIn:
    """A telephone number to join the meeting by voice, and the PIN it asks for."""

    number: str
    pin: str


def voice_bridge(course_id: int) -> str:
    """The five-digit voiceBridge of every meeting of a course."""
    return str(10_000 + (course_id * _STEP + _SHIFT) % PINS)


def dial_in(course_id: int, provider: str, config: Mapping[str, Any]) -> DialIn | None:
    """The dial-in of a course's meetings, or None (not BBB, or BBB_DIAL_NUMBER unset)."""
    number = setting(config, "BBB_DIAL_NUMBER")
    if provider != "bigbluebutton" or number is None:
        return None
    if not setting(config, "BBB_URL") or not setting(config, "BBB_SECRET"):
        return None
    return DialIn(number=number, pin=voice_bridge(course_id))
