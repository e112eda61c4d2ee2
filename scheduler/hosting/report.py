"""The hosting balance: how many sessions each region hosted against its fair target.

Definitions (also in the OpenAPI description); fair shares are the planner's own
(:mod:`scheduler.rotation.shares`, applied to rows by :mod:`scheduler.hosting.shares`):

- Only scheduled sessions whose start falls in the period (Helsinki dates, both ends included)
  count; cancelled ones count for nobody, and neither do sessions on a public holiday.
- ``hosted`` / ``cohosted``: sessions the region hosted / co-hosted that have started by now;
  a session still to come is never counted as hosted: it is in ``planned`` / ``cohost_planned``
  (per region) and in the report's ``planned``.
- ``share``: the region's hosted and planned sessions / all hosted and planned sessions of the
  period (0 when there are none).
- ``target``: the region's weighted share of the sessions, summed over courses: for each
  session, the region's weight / the sum of the weights of the course's regions that serve the
  course's language(s) (since they joined). A region that cannot serve a course's language is
  not expected to host it; closures are not subtracted, so a closed period shows as hosting
  below target (made up later in the course where the rules allow, otherwise in later courses:
  see the hosting ledger). ``cohost_target``: the same for co-hosting, shared among those
  regions without the session's host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.hosting.shares import (
    book,
    course_facts,
    course_ids_of,
    held_rows,
    session_select,
)
from scheduler.periods import day_bounds, parse_period  # noqa: F401  (re-exported)
from scheduler.rotation.shares import Ledger


@dataclass(frozen=True)
class RegionBalance:
    code: str
    hosted: int
    cohosted: int
    share: float
    target: float
    cohost_target: float = 0.0
    planned: int = 0
    cohost_planned: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "hosted": self.hosted,
            "cohosted": self.cohosted,
            "share": self.share,
            "target": self.target,
            "cohost_target": self.cohost_target,
            "planned": self.planned,
            "cohost_planned": self.cohost_planned,
            "difference": round(self.hosted - self.target, 2),
        }


@dataclass(frozen=True)
class HostingReport:
    start: date
    end: date
    regions: list[RegionBalance]
    sessions: int
    unhosted: int
    planned: int = 0
    changes_at: datetime | None = None  # the next session of the period to start

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "sessions": self.sessions,
            "unhosted": self.unhosted,
            "planned": self.planned,
            "regions": [region.as_json() for region in self.regions],
        }

    @property
    def scale(self) -> float:
        """The largest number on the chart (at least 1)."""
        return max([1.0] + [max(r.hosted, r.target) for r in self.regions])


def hosting_report(start: date, end: date, now: datetime | None = None) -> HostingReport:
    """Two queries whatever the number of courses and sessions.

    Targets cover every session of the period (the fair share of the whole plan); hosted
    counts only the sessions that have started by ``now``.
    """
    now = now or utcnow()
    low, high = day_bounds(start, end)
    in_period = (Session.starts_at >= low, Session.starts_at < high)
    rows = held_rows(session_select(*in_period))
    facts = course_facts(course_ids_of(*in_period)) if rows else {}
    ledger = book(rows, facts, Ledger())
    done = book([row for row in rows if row.starts_at <= now], facts, Ledger())
    for course in facts.values():  # every participating region is listed, even at zero
        for region in course.regions:
            ledger.account(region.code)
    total_hosted = sum(a.hosted for a in ledger.accounts.values())
    regions = []
    for code, account in sorted(ledger.accounts.items()):
        held_by = done.account(code)
        regions.append(
            RegionBalance(
                code=code,
                hosted=held_by.hosted,
                cohosted=held_by.cohosted,
                share=round(account.hosted / total_hosted, 4) if total_hosted else 0.0,
                target=round(account.target, 2),
                cohost_target=round(account.cohost_target, 2),
                planned=account.hosted - held_by.hosted,
                cohost_planned=account.cohosted - held_by.cohosted,
            )
        )
    return HostingReport(
        start=start,
        end=end,
        regions=regions,
        sessions=len(rows),
        unhosted=sum(1 for row in rows if row.host is None),
        planned=sum(1 for row in rows if row.starts_at > now),
        changes_at=min((row.starts_at for row in rows if row.starts_at > now), default=None),
    )
