"""The annual calendar (vuosikello): the network's courses across one year, month by month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import selectinload

from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.extensions import db
from scheduler.periods import day_bounds

FIRST_YEAR = 2000
LAST_YEAR = 2100


@dataclass
class YearRow:
    course: Course
    months: list[int]  # scheduled sessions per month, January first
    first: datetime

    @property
    def total(self) -> int:
        return sum(self.months)


def year_calendar(year: int, region: str | None = None) -> list[YearRow]:
    """Courses with scheduled sessions in the year (optionally of one participating region),
    ordered by their first session that year. Two queries."""
    begin, stop = day_bounds(date(year, 1, 1), date(year, 12, 31))
    query = db.select(Session.course_id, Session.starts_at).where(
        Session.status == "scheduled", Session.starts_at >= begin, Session.starts_at < stop
    )
    if region:
        query = query.where(
            Session.course_id.in_(
                db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
            )
        )
    months: dict[int, list[int]] = {}
    first: dict[int, datetime] = {}
    for course_id, starts_at in db.session.execute(query):
        local = starts_at.astimezone(begin.tzinfo)
        months.setdefault(course_id, [0] * 12)[local.month - 1] += 1
        first[course_id] = min(first.get(course_id, starts_at), starts_at)
    if not months:
        return []
    courses = db.session.scalars(
        db.select(Course)
        .where(Course.id.in_(list(months)))
        .options(selectinload(Course.participations))
    )
    rows = [YearRow(course, months[course.id], first[course.id]) for course in courses]
    return sorted(rows, key=lambda row: (row.first, row.course.id))
