"""Rotation grids (weeks × regions) for one course and for the whole network.

Each grid costs a constant number of queries: the sessions (with their courses and the
courses' regions) and the closures of the period, whatever the number of sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy.orm import contains_eager

from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.hosting.models import Closure
from scheduler.hosting.planning import closure_rows
from scheduler.hosting.rules import Rules, holiday_name, local_day, page_language
from scheduler.i18n import HELSINKI
from scheduler.periods import day_bounds

HOST = "host"
COHOST = "cohost"


@dataclass
class Cell:
    code: str
    role: str | None = None
    closure: Closure | None = None
    # Set when the region holds the role although it cannot (a kept session in a closure …).
    problem: str | None = None


@dataclass
class CourseRow:
    day: date
    week: int
    session: Session | None
    holiday: str | None
    cells: list[Cell]
    lock: str | None = None  # "past", "frozen", "by_hand", "cancelled" or None


def session_lock(session: Session, now: datetime, freeze_days: int) -> str | None:
    if session.starts_at <= now:
        return "past"
    if session.cancelled:
        return "cancelled"
    if session.host_set_by_hand:
        return "by_hand"
    if session.starts_at <= now + timedelta(days=freeze_days):
        return "frozen"
    return None


def course_grid(course: Course) -> list[CourseRow]:
    """One row per session in time order, plus a row for each week skipped for a holiday."""
    sessions = sorted(course.sessions, key=lambda s: s.starts_at)
    codes = course.region_codes
    rules = Rules.around(sessions, codes)
    language = page_language()
    now = utcnow()
    freeze_days = current_app.config["FREEZE_DAYS"]
    rows: list[CourseRow] = []
    for session in sessions:
        day = local_day(session.starts_at)
        cells = []
        for code in codes:
            cell = Cell(code, closure=rules.closure_on(code, day))
            if code == session.host_region:
                cell.role = HOST
            elif code == session.cohost_region:
                cell.role = COHOST
            if cell.role and not session.cancelled:
                reason = rules.reason(code, session, course)
                if reason is not None:
                    cell.problem = rules.short_reason(reason, code, session, course)
            cells.append(cell)
        rows.append(
            CourseRow(
                day=day,
                week=day.isocalendar().week,
                session=session,
                holiday=None,
                cells=cells,
                lock=session_lock(session, now, freeze_days),
            )
        )
    if sessions:
        day = local_day(sessions[0].starts_at)
        last = local_day(sessions[-1].starts_at)
        held = {row.day for row in rows}
        while day <= last:
            if day not in held and day in rules.holidays:
                rows.append(
                    CourseRow(
                        day=day,
                        week=day.isocalendar().week,
                        session=None,
                        holiday=holiday_name(day, language),
                        cells=[Cell(code, closure=rules.closure_on(code, day)) for code in codes],
                    )
                )
            day += timedelta(days=7)
    rows.sort(key=lambda row: row.day)
    return rows


@dataclass
class Entry:
    course: Course
    session: Session
    role: str


@dataclass
class NetworkCell:
    code: str
    entries: list[Entry] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)


@dataclass
class NetworkRow:
    monday: date
    week: int
    holidays: list[tuple[date, str]]
    cells: list[NetworkCell]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


@dataclass
class NetworkGrid:
    start: date
    weeks: int
    codes: list[str]
    rows: list[NetworkRow]
    courses: list[Course]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def network_grid(start: date, weeks: int, region: str | None) -> NetworkGrid:
    """Weeks from `start`'s Monday; only courses `region` takes part in when given.

    Three queries: sessions with their courses, the courses' regions, the closures.
    """
    monday = monday_of(start)
    last = monday + timedelta(days=7 * weeks - 1)
    low, high = day_bounds(monday, last)
    query = (
        db.select(Session)
        .join(Session.course)
        .where(Session.starts_at >= low, Session.starts_at < high)
        .options(contains_eager(Session.course).selectinload(Course.participations))
        .order_by(Session.starts_at, Session.id)
    )
    if region is not None:
        query = query.where(
            Session.course_id.in_(
                db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
            )
        )
    sessions = list(db.session.scalars(query).unique())
    courses = sorted({s.course.id: s.course for s in sessions}.values(), key=lambda c: c.id)
    codes = sorted({code for course in courses for code in course.region_codes})
    if region is not None and region not in codes:
        codes = sorted([*codes, region])
    closures = closure_rows(codes, monday, last)
    language = page_language()
    rows: list[NetworkRow] = []
    by_week: dict[date, dict[str, NetworkCell]] = {}
    for week in range(weeks):
        first = monday + timedelta(days=7 * week)
        days = [first + timedelta(days=i) for i in range(7)]
        holidays = [(d, name) for d in days if (name := holiday_name(d, language))]
        cells = {
            code: NetworkCell(
                code,
                closures=[
                    c
                    for c in closures
                    if c.region_code == code and c.start <= days[-1] and c.end >= first
                ],
            )
            for code in codes
        }
        by_week[first] = cells
        rows.append(NetworkRow(first, first.isocalendar().week, holidays, list(cells.values())))
    for session in sessions:
        cells = by_week[monday_of(local_day(session.starts_at))]
        if session.host_region in cells:
            cells[session.host_region].entries.append(Entry(session.course, session, HOST))
        if session.cohost_region in cells:
            cells[session.cohost_region].entries.append(Entry(session.course, session, COHOST))
    return NetworkGrid(start=monday, weeks=weeks, codes=codes, rows=rows, courses=courses)


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(HELSINKI)
