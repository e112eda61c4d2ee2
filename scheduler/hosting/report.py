"""The hosting balance: how many sessions each region hosted against its fair target.

Definitions (also in the OpenAPI description):

- Only scheduled sessions whose start falls in the period (Helsinki dates, both ends included)
  count; cancelled ones count for nobody.
- ``hosted`` / ``cohosted``: sessions the region hosts / co-hosts.
- ``share``: hosted / all hosted sessions of the period (0 when nothing was hosted).
- ``target``: the region's weighted expected number of hosted sessions, summed over courses:
  for each course, its sessions in the period × the region's weight / the sum of the weights of
  the course's regions that serve every language of the course. A region that cannot serve a
  course's language is not expected to host it; closures are not subtracted, so a closed
  period shows as hosting below target (the planner catches up later in the series where it can).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func

from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.extensions import db
from scheduler.periods import day_bounds, parse_period  # noqa: F401  (re-exported)
from scheduler.regions.data import region_facts


@dataclass(frozen=True)
class RegionBalance:
    code: str
    hosted: int
    cohosted: int
    share: float
    target: float

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "hosted": self.hosted,
            "cohosted": self.cohosted,
            "share": self.share,
            "target": self.target,
            "difference": round(self.hosted - self.target, 2),
        }


@dataclass(frozen=True)
class HostingReport:
    start: date
    end: date
    regions: list[RegionBalance]
    sessions: int
    unhosted: int

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "sessions": self.sessions,
            "unhosted": self.unhosted,
            "regions": [region.as_json() for region in self.regions],
        }

    @property
    def scale(self) -> float:
        """The largest number on the chart (at least 1)."""
        return max([1.0] + [max(r.hosted, r.target) for r in self.regions])


def hosting_report(start: date, end: date) -> HostingReport:
    """Grouped counts from the database: the rows read follow the number of courses and
    regions in the period, never the number of sessions."""
    low, high = day_bounds(start, end)
    in_period = (
        Session.status == "scheduled",
        Session.starts_at >= low,
        Session.starts_at < high,
    )
    per_course = dict(
        db.session.execute(
            db.select(Session.course_id, func.count()).where(*in_period).group_by(Session.course_id)
        ).all()
    )
    hosted: Counter[str] = Counter()
    cohosted: Counter[str] = Counter()
    unhosted = 0
    for host, cohost, count in db.session.execute(
        db.select(Session.host_region, Session.cohost_region, func.count())
        .where(*in_period)
        .group_by(Session.host_region, Session.cohost_region)
    ):
        if host:
            hosted[host] += count
        else:
            unhosted += count
        if cohost:
            cohosted[cohost] += count

    participations: dict[int, list[tuple[str, float]]] = defaultdict(list)
    languages: dict[int, set[str]] = {}
    if per_course:
        course_ids = db.select(Session.course_id).where(*in_period).distinct()
        for course_id, code, weight, languages_csv in db.session.execute(
            db.select(
                CourseRegion.course_id,
                CourseRegion.region_code,
                CourseRegion.weight,
                Course.languages_csv,
            )
            .join(Course, Course.id == CourseRegion.course_id)
            .where(CourseRegion.course_id.in_(course_ids))
        ):
            participations[course_id].append((code, weight))
            languages[course_id] = set(languages_csv.split(","))

    serves = {fact.code: set(fact.languages) for fact in region_facts()}
    target: dict[str, float] = defaultdict(float)
    for course_id, count in per_course.items():
        able = [(c, w) for c, w in participations[course_id] if languages[course_id] <= serves[c]]
        total = sum(w for _, w in able)
        for code, _ in participations[course_id]:
            target[code] += 0.0
        for code, weight in able:
            target[code] += count * weight / total

    total_hosted = sum(hosted.values())
    codes = sorted(set(target) | set(hosted) | set(cohosted))
    regions = [
        RegionBalance(
            code=code,
            hosted=hosted[code],
            cohosted=cohosted[code],
            share=round(hosted[code] / total_hosted, 4) if total_hosted else 0.0,
            target=round(target[code], 2),
        )
        for code in codes
    ]
    return HostingReport(
        start=start,
        end=end,
        regions=regions,
        sessions=sum(per_course.values()),
        unhosted=unhosted,
    )
