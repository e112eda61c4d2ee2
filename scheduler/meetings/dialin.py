"""Telephone dial-in for BigBlueButton meetings: the number to call and the PIN it asks for.

The PIN is the meeting's ``voiceBridge``. It is fixed per course (every session's meeting is
created with the same one), so the card, the emails and the personal page can show it days
before the meeting exists. It is a keyed permutation of the course id: a six-round Feistel
network over 300 × 300 (the 90,000 five-digit numbers) whose rounds are HMACs keyed with
``BBB_SECRET``. Being a permutation, two courses never share a PIN (within 90,000 courses),
and sessions of one course do not run at the same time, so BBB is never asked for the same
voiceBridge twice at once. Being keyed, nobody without the BBB secret can work out a closed
course's PIN from its public id or from the PINs of other courses they take part in (a
changed ``BBB_SECRET`` changes every PIN: reprint the cards). Pure: no Flask, no database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .base import setting

__all__ = ["DialIn", "bbb_voice_bridge", "dial_in", "voice_bridge"]

PINS = 90_000  # five-digit PINs 10000–99999
HALF = 300  # PINS = HALF × HALF: the two halves of the Feistel network
ROUNDS = 6


@dataclass(frozen=True)
class DialIn:
    """A telephone number to join the meeting by voice, and the PIN it asks for."""

    number: str
    pin: str


@lru_cache(maxsize=4096)
def voice_bridge(course_id: int, secret: str) -> str:
    """The five-digit voiceBridge of every meeting of a course (``secret``: BBB_SECRET)."""
    key = hashlib.sha256(b"etapaiva voice bridge\x00" + secret.encode()).digest()
    left, right = divmod(course_id % PINS, HALF)
    for number in range(ROUNDS):
        digest = hmac.new(key, f"{number}:{right}".encode(), hashlib.sha256).digest()
        left, right = right, (left + int.from_bytes(digest[:8], "big")) % HALF
    return str(10_000 + left * HALF + right)


def bbb_voice_bridge(course_id: int, provider: str, config: Mapping[str, Any]) -> str | None:
    """The PIN to create a course's meeting with: BigBlueButton with its secret set only."""
    secret = setting(config, "BBB_SECRET")
    if provider != "bigbluebutton" or secret is None:
        return None
    return voice_bridge(course_id, secret)


def dial_in(course_id: int, provider: str, config: Mapping[str, Any]) -> DialIn | None:
    """The dial-in of a course's meetings, or None (not BBB, or BBB_DIAL_NUMBER unset)."""
    number = setting(config, "BBB_DIAL_NUMBER")
    if provider != "bigbluebutton" or number is None:
        return None
    secret = setting(config, "BBB_SECRET")
    if not setting(config, "BBB_URL") or secret is None:
        return None
    return DialIn(number=number, pin=voice_bridge(course_id, secret))
