"""Bridge between the stored courses and the pure rotation planner.

This module turns rows into the planner's plain dataclasses and writes the answer back;
all rules live in scheduler.rotation.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from flask import current_app

from scheduler import rotation
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.hosting.models import Closure
from scheduler.i18n import HELSINKI
from scheduler.regions.models import Region


def holidays_between(first: date, years_ahead: int = 5) -> frozenset[date]:
    return frozenset(rotation.finnish_holidays(range(first.year, first.year + years_ahead)))


def region_specs(course: Course) -> tuple[rotation.RegionSpec, ...]:
    regions = {
        region.code: region
        for region in db.session.scalars(
            db.select(Region).where(Region.code.in_(course.region_codes))
        )
    }
    return tuple(
        rotation.RegionSpec(
            code=p.region_code,
            languages=frozenset(regions[p.region_code].languages),
            weight=p.weight,
        )
        for p in course.participations
    )


def closures_for(codes: list[str], start: date, end: date) -> tuple[rotation.Closure, ...]:
    rows = db.session.scalars(
        db.select(Closure).where(
            Closure.region_code.in_(codes), Closure.end >= start, Closure.start <= end
        )
    )
    return tuple(rotation.Closure(region=c.region_code, start=c.start, end=c.end) for c in rows)


def weekly_load(codes: list[str], start: datetime, end: datetime, exclude_course: int | None):
    """Sessions each region hosts per ISO week in other courses, so load can be spread."""
    rows = db.session.execute(
        db.select(Session.host_region, Session.starts_at).where(
            Session.host_region.in_(codes),
            Session.starts_at >= start,
            Session.starts_at <= end,
            Session.status == "scheduled",
            Session.course_id != (exclude_course or -1),
        )
    )
    load: Counter[tuple[str, int, int]] = Counter()
    for host, starts_at in rows:
        iso = starts_at.astimezone(HELSINKI).isocalendar()
        load[(host, iso.year, iso.week)] += 1
    return dict(load)


def create_sessions(course: Course) -> list[Session]:
    """Lay out the weekly sessions (holidays skipped, series extended) and plan their hosts."""
    first_local = course.first_session.astimezone(HELSINKI)
    dates = rotation.weekly_dates(
        first_local,
        timedelta(minutes=course.duration_minutes),
        course.session_count,
        holidays_between(first_local.date()),
    )
    course.sessions = [
        Session(number=number, starts_at=start, ends_at=end, status="scheduled")
        for number, (start, end) in enumerate(dates, start=1)
    ]
    db.session.flush()
    plan_course(course, keep_previous=False)
    return course.sessions


def locked(session: Session, now: datetime, freeze_days: int) -> bool:
    return (
        session.host_set_by_hand
        or session.starts_at <= now + timedelta(days=freeze_days)
        or session.status == "cancelled"
    )


def plan_course(course: Course, *, keep_previous: bool = True) -> rotation.PlanResult:
    """(Re-)plan the hosts of a course's sessions; returns the planner's answer with problems."""
    sessions = sorted(course.sessions, key=lambda s: s.starts_at)
    if not sessions:
        return rotation.PlanResult(assignments=(), problems=())
    now = utcnow()
    freeze_days = current_app.config["FREEZE_DAYS"]
    languages = frozenset(course.languages)
    slots = tuple(
        rotation.Slot(
            key=session.id,
            starts_at=session.starts_at.astimezone(HELSINKI),
            ends_at=session.ends_at.astimezone(HELSINKI),
            languages=languages,
            locked=keep_previous and locked(session, now, freeze_days),
            host=session.host_region,
            cohost=session.cohost_region,
            cancelled=session.status == "cancelled",
        )
        for session in sessions
    )
    first, last = sessions[0].starts_at, sessions[-1].ends_at
    request = rotation.PlanRequest(
        slots=slots,
        regions=region_specs(course),
        cohost=course.cohost,
        closures=closures_for(course.region_codes, first.date(), last.date()),
        holidays=holidays_between(first.astimezone(HELSINKI).date()),
        weekly_load=weekly_load(course.region_codes, first, last, course.id),
        keep_previous=keep_previous,
    )
    result = rotation.plan(request)
    by_id = {session.id: session for session in sessions}
    for assignment in result.assignments:
        session = by_id[assignment.key]
        if (session.host_region, session.cohost_region) != (
            assignment.host,
            assignment.cohost,
        ):
            session.host_region = assignment.host
            session.cohost_region = assignment.cohost
            session.touch()
    return result
