"""Plain, immutable data the rotation planner takes and returns.

Nothing here knows about Flask or the database: the web layer copies its rows into these
dataclasses, calls :func:`scheduler.rotation.plan`, and writes the answer back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")

HOST = "host"
COHOST = "cohost"
NO_ELIGIBLE_REGION = "no_eligible_region"


def _empty_load() -> Mapping[tuple[str, int, int], int]:
    return MappingProxyType({})


def _no_balance() -> Mapping[str, float]:
    return MappingProxyType({})


@dataclass(frozen=True)
class RegionSpec:
    """A participating region: its code, the languages it serves and its agreed weight.

    ``since`` is when the region joined the course (None: from its start); it has a share only
    of the sessions from then on, so joining a running course brings no debt from before.
    """

    code: str
    languages: frozenset[str]
    weight: float = 1.0
    since: datetime | None = None


@dataclass(frozen=True)
class Closure:
    """A period (both ends inclusive, local dates) when ``region`` hosts nothing."""

    region: str
    start: date
    end: date


@dataclass(frozen=True)
class Slot:
    """One session to be (re)planned.

    ``host``/``cohost`` are the fixed values for a locked slot and the previous plan's values
    otherwise (used to change as little as possible). Cancelled slots keep what they have and
    count for nobody.
    """

    key: int
    starts_at: datetime
    ends_at: datetime
    languages: frozenset[str]
    locked: bool = False
    host: str | None = None
    cohost: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class PlanRequest:
    """Everything the planner needs for one course.

    ``weekly_load`` maps ``(region, iso_year, iso_week)`` to the number of sessions the region
    hosts (or co-hosts) in other courses that week; it only breaks ties.

    ``balance`` maps a region code to its balance in the network's hosting ledger from the
    other courses (negative: behind its share). Within the course's own fairness, regions
    behind host first; missing regions count as zero (a newcomer owes nothing).
    """

    slots: tuple[Slot, ...]
    regions: tuple[RegionSpec, ...]
    cohost: bool = False
    closures: tuple[Closure, ...] = ()
    holidays: frozenset[date] = frozenset()
    weekly_load: Mapping[tuple[str, int, int], int] = field(default_factory=_empty_load)
    keep_previous: bool = True
    balance: Mapping[str, float] = field(default_factory=_no_balance)


@dataclass(frozen=True)
class Assignment:
    key: int
    host: str | None
    cohost: str | None


@dataclass(frozen=True)
class Problem:
    """A slot the planner could not fill; ``detail`` is a sentence a planner can act on."""

    key: int
    role: str
    reason: str
    detail: str


@dataclass(frozen=True)
class PlanResult:
    assignments: tuple[Assignment, ...]
    problems: tuple[Problem, ...]
