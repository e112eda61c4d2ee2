"""The annual calendar (vuosikello): the network's courses across one year, month by month.

Sessions are counted per course and month by the database (one grouped query), so the rows
read follow the number of courses in the year, never the number of sessions or the length
of the network's history; the page shows PER_PAGE courses at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func

from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.extensions import db
from scheduler.periods import day_bounds

FIRST_YEAR = 2000
LAST_YEAR = 2100
PER_PAGE = 50


@dataclass
class YearRow:
    course: Course
    months: list[int]  # scheduled sessions per month, January first
    first: datetime

    @property
    def total(self) -> int:
        return sum(self.months)


@dataclass
class YearPage:
    rows: list[YearRow]
    total: int  # courses with sessions in the year
    page: int
    pages: int


def _month_bounds(year: int) -> list[tuple[datetime, datetime]]:
    bounds = []
    for month in range(1, 13):
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        bounds.append(day_bounds(date(year, month, 1), following - timedelta(days=1)))
    return bounds


def year_calendar(year: int, region: str | None = None, page: int = 1) -> YearPage:
    """Courses with scheduled sessions in the year (optionally of one participating region),
    ordered by their first session that year, one page of them. Two queries."""
    begin, stop = day_bounds(date(year, 1, 1), date(year, 12, 31))
    per_month = [
        func.sum(case((and_(Session.starts_at >= low, Session.starts_at < high), 1), else_=0))
        for low, high in _month_bounds(year)
    ]
    first = func.min(Session.starts_at)
    query = (
        db.select(Session.course_id, first, *per_month)
        .where(Session.status == "scheduled", Session.starts_at >= begin, Session.starts_at < stop)
        .group_by(Session.course_id)
        .order_by(first, Session.course_id)
    )
    if region:
        query = query.where(
            Session.course_id.in_(
                db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
            )
        )
    grouped = db.session.execute(query).all()
    pages = max(1, math.ceil(len(grouped) / PER_PAGE))
    page = min(max(page, 1), pages)
    shown = grouped[(page - 1) * PER_PAGE : page * PER_PAGE]
    courses = {}
    if shown:
        courses = {
            course.id: course
            for course in db.session.scalars(
                db.select(Course).where(Course.id.in_([row[0] for row in shown]))
            )
        }
    rows = [
        YearRow(courses[row[0]], [int(count or 0) for count in row[2:]], row[1]) for row in shown
    ]
    return YearPage(rows=rows, total=len(grouped), page=page, pages=pages)
