"""Bridge between the stored courses and the pure rotation planner.

This module turns rows into the planner's plain dataclasses and writes the answer back;
all rules live in scheduler.rotation. Several courses are planned together with a constant
number of queries (closures, other courses' load, the network's ledger balance), so a closure
that touches many courses costs the same few statements as one course. The planner is given
the ledger's balance from the other courses as plain data and honours it within each course's
own fairness (regions behind host first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_

from scheduler import rotation
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.hosting.models import Closure
from scheduler.hosting.shares import network_balance
from scheduler.i18n import HELSINKI
from scheduler.regions.data import region_facts


@dataclass(frozen=True)
class HostChange:
    """One session whose host, co-host or status changed; the regions in it are told."""

    session: Session
    old_host: str | None
    old_cohost: str | None
    new_host: str | None
    new_cohost: str | None
    cancelled: bool = False
    restored: bool = False

    @property
    def regions(self) -> set[str]:
        codes = {self.old_host, self.old_cohost, self.new_host, self.new_cohost}
        return {code for code in codes if code}


@dataclass
class CourseOutcome:
    course: Course
    result: rotation.PlanResult
    changes: list[HostChange] = field(default_factory=list)


def holidays_between(first: date, years_ahead: int = 5) -> frozenset[date]:
    return frozenset(rotation.finnish_holidays(range(first.year, first.year + years_ahead)))


def holidays_for_years(first_year: int, last_year: int) -> frozenset[date]:
    return frozenset(rotation.finnish_holidays(range(first_year, last_year + 1)))


def region_spec(code: str, weight: float = 1.0) -> rotation.RegionSpec:
    facts = {fact.code: fact for fact in region_facts()}
    return rotation.RegionSpec(code=code, languages=frozenset(facts[code].languages), weight=weight)


def region_specs(course: Course) -> tuple[rotation.RegionSpec, ...]:
    """The course's regions with the languages they serve (from the region data, no query)
    and, for a region that joined a running course, since when it takes part."""
    facts = {fact.code: fact for fact in region_facts()}
    return tuple(
        rotation.RegionSpec(
            code=p.region_code,
            languages=frozenset(facts[p.region_code].languages),
            weight=p.weight,
            since=None if p.joined_at is None else p.joined_at.astimezone(HELSINKI),
        )
        for p in course.participations
    )


def closure_rows(codes: Iterable[str], start: date, end: date) -> list[Closure]:
    codes = sorted(set(codes))
    if not codes:
        return []
    return list(
        db.session.scalars(
            db.select(Closure)
            .where(Closure.region_code.in_(codes), Closure.end >= start, Closure.start <= end)
            .order_by(Closure.start, Closure.id)
        )
    )


def to_planner_closures(rows: Iterable[Closure]) -> tuple[rotation.Closure, ...]:
    return tuple(rotation.Closure(region=c.region_code, start=c.start, end=c.end) for c in rows)


def closures_for(codes: list[str], start: date, end: date) -> tuple[rotation.Closure, ...]:
    return to_planner_closures(closure_rows(codes, start, end))


def weekly_load(
    codes: Iterable[str], start: datetime, end: datetime, exclude_courses: Iterable[int] = ()
) -> dict[tuple[str, int, int], int]:
    """Sessions each region hosts or co-hosts per ISO week in other courses (one query)."""
    codes = sorted(set(codes))
    query = db.select(Session.host_region, Session.cohost_region, Session.starts_at).where(
        or_(Session.host_region.in_(codes), Session.cohost_region.in_(codes)),
        Session.starts_at >= start,
        Session.starts_at <= end,
        Session.status == "scheduled",
    )
    excluded = list(exclude_courses)
    if excluded:
        query = query.where(Session.course_id.not_in(excluded))
    load: Counter[tuple[str, int, int]] = Counter()
    for host, cohost, starts_at in db.session.execute(query):
        iso = starts_at.astimezone(HELSINKI).isocalendar()
        for code in (host, cohost):
            if code in codes:
                load[(code, iso.year, iso.week)] += 1
    return dict(load)


def locked(session: Session, now: datetime, freeze_days: int) -> bool:
    """Re-planning leaves past, frozen, hand-set and cancelled sessions as they are."""
    return (
        session.host_set_by_hand
        or session.starts_at <= now + timedelta(days=freeze_days)
        or session.status == "cancelled"
    )


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


def plan_course(course: Course, *, keep_previous: bool = True) -> rotation.PlanResult:
    """(Re-)plan the hosts of one course; returns the planner's answer with problems."""
    return plan_courses([course], keep_previous=keep_previous)[0].result


def _slot(session: Session, languages: frozenset[str], is_locked: bool) -> rotation.Slot:
    return rotation.Slot(
        key=session.id,
        starts_at=session.starts_at.astimezone(HELSINKI),
        ends_at=session.ends_at.astimezone(HELSINKI),
        languages=languages,
        locked=is_locked,
        host=session.host_region,
        cohost=session.cohost_region,
        cancelled=session.status == "cancelled",
    )


def plan_courses(
    courses: Sequence[Course], *, keep_previous: bool = True, now: datetime | None = None
) -> list[CourseOutcome]:
    """Re-plan several courses together (each sees the others' duties as weekly load, and the
    network's hosting ledger evens out within each course's fairness).

    The courses' participations and sessions should be loaded already (selectinload); the
    rest costs four queries whatever the number of courses.
    """
    outcomes, planned = _plan(courses, keep_previous=keep_previous, lock=keep_previous, now=now)
    for course, result in planned:
        outcomes[course.id].changes = apply_result(course, result)
    return [outcomes[c.id] for c in courses]


def preview_courses(
    courses: Sequence[Course], *, afresh: bool = False, now: datetime | None = None
) -> list[CourseOutcome]:
    """What re-planning would change, without changing anything. ``afresh``: the sessions
    that may change are planned from scratch rather than kept where still allowed."""
    outcomes, planned = _plan(courses, keep_previous=not afresh, lock=True, now=now)
    for course, result in planned:
        outcomes[course.id].changes = differences(course, result)
    return [outcomes[c.id] for c in courses]


def plan_requests(
    courses: Sequence[Course],
    *,
    keep_previous: bool = True,
    lock: bool = True,
    now: datetime | None = None,
) -> tuple[list[Course], list[rotation.PlanRequest], dict[str, float]]:
    """The courses that have sessions (first session order), the planner's request for each,
    and the network's ledger balance outside them. Four queries.

    ``lock``: keep past, frozen, cancelled and hand-set sessions; ``keep_previous``: keep the
    other sessions' hosts where still allowed."""
    courses = sorted(courses, key=lambda c: (c.first_session, c.id))
    with_sessions = [c for c in courses if c.sessions]
    if not with_sessions:
        return [], [], {}
    now = now or utcnow()
    freeze_days = current_app.config["FREEZE_DAYS"]
    all_sessions = [s for c in with_sessions for s in c.sessions]
    first = min(s.starts_at for s in all_sessions)
    last = max(s.ends_at for s in all_sessions)
    codes = {code for c in with_sessions for code in c.region_codes}
    first_day, last_day = first.astimezone(HELSINKI).date(), last.astimezone(HELSINKI).date()
    closures = closures_for(sorted(codes), first_day, last_day)
    holidays = holidays_for_years(first_day.year, last_day.year)
    ids = [c.id for c in with_sessions]
    load = weekly_load(codes, first, last, ids)
    balance = network_balance(ids)

    requests = []
    for course in with_sessions:
        languages = frozenset(course.languages)
        own = set(course.region_codes)
        sessions = sorted(course.sessions, key=lambda s: (s.starts_at, s.id))
        requests.append(
            rotation.PlanRequest(
                slots=tuple(
                    _slot(s, languages, lock and locked(s, now, freeze_days)) for s in sessions
                ),
                regions=region_specs(course),
                cohost=course.cohost,
                closures=tuple(c for c in closures if c.region in own),
                holidays=holidays,
                weekly_load=load,
                keep_previous=keep_previous,
                balance=balance,
            )
        )
    return with_sessions, requests, balance


def _plan(
    courses: Sequence[Course], *, keep_previous: bool, lock: bool, now: datetime | None
) -> tuple[dict[int, CourseOutcome], list[tuple[Course, rotation.PlanResult]]]:
    outcomes = {c.id: CourseOutcome(c, rotation.PlanResult((), ())) for c in courses}
    with_sessions, requests, balance = plan_requests(
        courses, keep_previous=keep_previous, lock=lock, now=now
    )
    if not requests:
        return outcomes, []
    results = rotation.plan_network(requests, balance)
    planned = []
    for course, result in zip(with_sessions, results, strict=True):
        outcomes[course.id].result = result
        planned.append((course, result))
    return outcomes, planned


def differences(course: Course, result: rotation.PlanResult) -> list[HostChange]:
    """The sessions whose hosts the planner's answer would change (nothing is written)."""
    by_id = {session.id: session for session in course.sessions}
    changes = []
    for assignment in result.assignments:
        session = by_id[assignment.key]
        old = (session.host_region, session.cohost_region)
        new = (assignment.host, assignment.cohost)
        if old != new:
            changes.append(HostChange(session, old[0], old[1], new[0], new[1]))
    return changes


def apply_result(course: Course, result: rotation.PlanResult) -> list[HostChange]:
    """Write the planner's assignments to the sessions; returns what changed."""
    changes = differences(course, result)
    for change in changes:
        change.session.host_region = change.new_host
        change.session.cohost_region = change.new_cohost
        change.session.touch()
    return changes
