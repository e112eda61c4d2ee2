"""Who may host a session, and why not: the hard rules of the rotation.

A region is out for a session that falls on a public holiday, inside one of its closures, or
that is held in a language it does not serve (the host must serve every session language).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from functools import lru_cache

from .calendar import local_date
from .model import HELSINKI, Closure, RegionSpec, Slot

HOLIDAY = "holiday"
CLOSURE = "closure"
LANGUAGE = "language"
NOT_PARTICIPATING = "not_participating"
IS_HOST = "is_host"

_LANGUAGE_NAMES = {"fi": "Finnish", "sv": "Swedish"}
# Spelled out rather than strftime("%A"), which follows the process locale.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def ineligibility_reason(
    region: RegionSpec | None,
    slot: Slot,
    closures: Iterable[Closure],
    holidays: Collection[date],
) -> str | None:
    """Why ``region`` cannot host ``slot`` ("holiday", "closure", "language",
    "not_participating"), or None when it can. ``region`` is None for a region that does not
    take part in the course, which lets the web layer answer a hand-set host with one call."""
    if region is None:
        return NOT_PARTICIPATING
    day = local_date(slot.starts_at)
    if day in holidays:
        return HOLIDAY
    for closure in closures:
        if closure.region == region.code and closure.start <= day <= closure.end:
            return CLOSURE
    if not slot.languages <= region.languages:
        return LANGUAGE
    return None


def eligible_hosts(
    slot: Slot,
    regions: Iterable[RegionSpec],
    closures: Iterable[Closure],
    holidays: Collection[date],
) -> list[str]:
    """Codes (sorted) of the regions that may host ``slot``."""
    closures = tuple(closures)
    return sorted(
        r.code for r in regions if ineligibility_reason(r, slot, closures, holidays) is None
    )


@lru_cache(maxsize=64)
def _language_list(languages: frozenset[str]) -> str:
    return " and ".join(f"{_LANGUAGE_NAMES.get(x, x)} ({x})" for x in sorted(languages))


def describe_no_region(
    slot: Slot,
    role: str,
    regions: tuple[RegionSpec, ...],
    closures: tuple[Closure, ...],
    holidays: Collection[date],
    host: str | None = None,
) -> str:
    """A plain sentence naming the session's local time and why each region is out."""
    start = slot.starts_at.astimezone(HELSINKI)
    when = (
        f"{_WEEKDAYS[start.weekday()]} {start.day} {_MONTHS[start.month - 1]} {start.year}"
        f" at {start:%H:%M} (Helsinki time)"
    )
    verb = "host" if role == "host" else "co-host"
    if not regions:
        return f"No region can {verb} the session on {when}: the course has no regions."
    day = start.date()
    covering = tuple(c for c in closures if c.start <= day <= c.end)  # only these can matter
    reasons = _reasons(tuple(regions), slot.languages, covering, day in holidays, host)
    return f"No region can {verb} the session on {when}: {reasons}."


@lru_cache(maxsize=1024)
def _reasons(
    regions: tuple[RegionSpec, ...],
    languages: frozenset[str],
    closures: tuple[Closure, ...],
    holiday: bool,
    host: str | None,
) -> str:
    """Why each region is out of a session (the rules of :func:`ineligibility_reason`), given
    the closures covering its day; cached, as a course's sessions mostly share their reasons."""
    parts = []
    for region in sorted(regions, key=lambda r: r.code):
        spans = [c for c in closures if c.region == region.code]
        if region.code == host:
            why = "is the host of this session"
        elif holiday:
            why = "the day is a public holiday"
        elif spans:
            c = min(spans, key=lambda c: (c.start, c.end))
            why = f"closed from {c.start.isoformat()} to {c.end.isoformat()}"
        elif not languages <= region.languages:
            why = f"does not serve {_language_list(languages - region.languages)}"
        else:
            why = "is the host of this session"
        parts.append(f"{region.code} {why}")
    return "; ".join(parts)
