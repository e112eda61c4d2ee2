"""The planner's desk: what waits for the user's region, counted and linked.

Every part is one or two queries with a LIMIT (and a separate count), and every part looks
only at what is open now or at a short window of time (the next four weeks, the last four
weeks), so the page costs the same number of queries and stays the same size however long
the network's history grows. An administrator sees the whole network (region None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, exists, false, func, or_, true
from sqlalchemy.orm import aliased, joinedload

from scheduler.content.models import Material, SessionMaterial, TranslationRequest
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.hosting.models import Closure, SwapRequest
from scheduler.i18n import HELSINKI
from scheduler.meetings import configured_providers
from scheduler.meetings.models import JoinCount, JoinRegionCount, MeetingLink
from scheduler.periods import day_bounds

PREPARE_AHEAD = timedelta(weeks=4)  # sessions to get ready: link and materials
UNHOSTED_AHEAD = timedelta(weeks=12)  # sessions left without a host by closures
JOINS_BACK = timedelta(weeks=4)  # open groups' last sessions
LIMIT = 10
LONGEST_SESSION = timedelta(minutes=480)  # lets "not yet ended" use the index on starts_at


@dataclass
class Part:
    """One thing to do: how many in all, the first few of them, and how many are not shown
    (`hidden` counts items, e.g. courses, when `total` counts something else)."""

    total: int = 0
    items: list[Any] = field(default_factory=list)
    hidden: int | None = None

    @property
    def more(self) -> int:
        if self.hidden is not None:
            return self.hidden
        return max(self.total - len(self.items), 0)


@dataclass(frozen=True)
class WaitingCourse:
    course: Course
    count: int


@dataclass(frozen=True)
class Unprepared:
    session: Session
    course: Course
    no_link: bool
    no_materials: bool


@dataclass(frozen=True)
class Unhosted:
    session: Session
    course: Course
    closed: bool  # the host is closed that day (kept because frozen or set by hand)


@dataclass(frozen=True)
class Joins:
    session: Session
    course: Course
    joins: int
    by_region: dict[str, int]


@dataclass
class Desk:
    region: str | None
    applications: Part
    swaps: Part
    unprepared: Part
    translations: Part
    unhosted: Part
    joins: list[Joins]
    courses: Part


def _running(course_id: Any, now: datetime) -> Any:
    """`course_id` is a course with a session still to come or going on (an index range on
    the sessions' start, so finished courses cost nothing however many there are)."""
    return course_id.in_(
        db.select(Session.course_id).where(
            Session.starts_at > now - LONGEST_SESSION, Session.ends_at > now
        )
    )


def _of_region(course_id: Any, region: str | None) -> Any:
    """`course_id` is a course the region takes part in (any course for an administrator)."""
    if region is None:
        return true()
    return course_id.in_(
        db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
    )


def _limited(query: Any, limit: int = LIMIT) -> tuple[int, list[Any]]:
    total = db.session.scalar(db.select(func.count()).select_from(query.order_by(None).subquery()))
    return total or 0, list(db.session.execute(query.limit(limit)).all()) if total else []


def waiting_applications(region: str | None, now: datetime) -> Part:
    """Applications from the region that wait for a decision, per course, oldest first
    (courses not yet over: a decision about a finished course helps nobody)."""
    query = (
        db.select(Course, func.count(Application.id))
        .join(Application, Application.course_id == Course.id)
        .where(
            Application.status == "submitted",
            Application.anonymised_at.is_(None),
            Course.status == "active",
            _running(Course.id, now),
        )
        .group_by(Course.id)
        .order_by(func.min(Application.submitted_at), Course.id)
    )
    if region is not None:
        query = query.where(Application.region_code == region)
    totals = db.select(
        func.count(Application.id), func.count(func.distinct(Application.course_id))
    ).where(
        Application.status == "submitted",
        Application.anonymised_at.is_(None),
        Application.course_id.in_(db.select(Course.id).where(Course.status == "active")),
        _running(Application.course_id, now),
    )
    if region is not None:
        totals = totals.where(Application.region_code == region)
    total, courses = db.session.execute(totals).one()
    rows = db.session.execute(query.limit(LIMIT)).all() if total else []
    return Part(total, [WaitingCourse(c, n) for c, n in rows], hidden=max(courses - len(rows), 0))


def waiting_swaps(region: str | None) -> Part:
    """Swap requests that wait for the region's answer (sessions still to come)."""
    mine = aliased(Session)
    query = (
        db.select(SwapRequest)
        .join(mine, mine.id == SwapRequest.session_id)
        .where(SwapRequest.status == "pending", mine.starts_at > utcnow())
        .options(
            joinedload(SwapRequest.session).joinedload(Session.course),
            joinedload(SwapRequest.other_session).joinedload(Session.course),
        )
        .order_by(SwapRequest.created_at, SwapRequest.id)
    )
    if region is not None:
        query = query.where(SwapRequest.other_region == region)
    total, rows = _limited(query)
    return Part(total, [row[0] for row in rows])


def unprepared_sessions(region: str | None, now: datetime) -> Part:
    """The region's duties in the next four weeks without a working link or materials."""
    configured = sorted(configured_providers(current_app.config))
    has_materials = exists().where(SessionMaterial.session_id == Session.id)
    link_broken = or_(
        Course.meeting_provider.not_in(configured),
        MeetingLink.state == "failed",
        and_(Course.meeting_provider == "static", Course.meeting_url.is_(None)),
    )
    query = (
        db.select(Session, Course, link_broken, has_materials)
        .join(Course, Course.id == Session.course_id)
        .outerjoin(MeetingLink, MeetingLink.session_id == Session.id)
        .where(
            Session.status == "scheduled",
            Session.starts_at > now,
            Session.starts_at <= now + PREPARE_AHEAD,
            or_(~has_materials, link_broken),
        )
        .order_by(Session.starts_at, Session.id)
    )
    if region is not None:
        query = query.where(or_(Session.host_region == region, Session.cohost_region == region))
    total, rows = _limited(query)
    return Part(
        total,
        [
            Unprepared(session, course, bool(broken), not bool(has))
            for session, course, broken, has in rows
        ],
    )


def translation_requests(region: str | None) -> Part:
    """Open translation requests addressed to the region (its materials, its courses)."""
    query = (
        db.select(TranslationRequest)
        .where(TranslationRequest.status == "open")
        .options(
            joinedload(TranslationRequest.material),
            joinedload(TranslationRequest.course),
        )
        .order_by(TranslationRequest.created_at, TranslationRequest.id)
    )
    if region is not None:
        query = query.where(
            or_(
                TranslationRequest.material_id.in_(
                    db.select(Material.id).where(Material.owner_region == region)
                ),
                _of_region(TranslationRequest.course_id, region),
            )
        )
    total, rows = _limited(query)
    return Part(total, [row[0] for row in rows])


def unhosted_sessions(region: str | None, now: datetime) -> Part:
    """Coming sessions of the region's courses with no host, or a host closed that day
    (closures, two queries: the closures in the window, then the sessions)."""
    today = now.astimezone(HELSINKI).date()
    last_day = (now + UNHOSTED_AHEAD).astimezone(HELSINKI).date()
    closures = list(
        db.session.scalars(
            db.select(Closure)
            .where(Closure.end >= today, Closure.start <= last_day)
            .order_by(Closure.start, Closure.id)
            .limit(200)
        )
    )
    closed = [
        and_(
            Session.host_region == closure.region_code,
            Session.starts_at >= day_bounds(closure.start, closure.end)[0],
            Session.starts_at < day_bounds(closure.start, closure.end)[1],
        )
        for closure in closures
    ]
    host_closed = or_(*closed) if closed else false()
    query = (
        db.select(Session, Course, host_closed)
        .join(Course, Course.id == Session.course_id)
        .where(
            Session.status == "scheduled",
            Course.status == "active",
            Session.starts_at > now,
            Session.starts_at <= now + UNHOSTED_AHEAD,
            _of_region(Session.course_id, region),
            or_(Session.host_region.is_(None), host_closed),
        )
        .order_by(Session.starts_at, Session.id)
    )
    total, rows = _limited(query)
    return Part(total, [Unhosted(s, c, bool(is_closed)) for s, c, is_closed in rows])


def last_joins(region: str | None, now: datetime) -> list[Joins]:
    """Join counts of the open groups' last sessions (the last four weeks)."""
    rows = db.session.execute(
        db.select(Session, Course, func.coalesce(JoinCount.joins, 0))
        .join(Course, Course.id == Session.course_id)
        .outerjoin(JoinCount, JoinCount.session_id == Session.id)
        .where(
            Course.kind == "open",
            Session.status == "scheduled",
            Session.starts_at <= now,
            Session.starts_at > now - JOINS_BACK,
            _of_region(Session.course_id, region),
        )
        .order_by(Session.starts_at.desc(), Session.id.desc())
        .limit(LIMIT)
    ).all()
    if not rows:
        return []
    answers: dict[int, dict[str, int]] = {}
    for session_id, code, count in db.session.execute(
        db.select(JoinRegionCount.session_id, JoinRegionCount.region_code, JoinRegionCount.answers)
        .where(JoinRegionCount.session_id.in_([session.id for session, _, _ in rows]))
        .order_by(JoinRegionCount.region_code)
    ):
        answers.setdefault(session_id, {})[code] = count
    return [Joins(s, c, joins, answers.get(s.id, {})) for s, c, joins in rows]


def current_courses(region: str | None, now: datetime) -> Part:
    """The region's active courses that still have sessions to come, soonest first."""
    coming = (
        db.select(Session.course_id, func.min(Session.starts_at).label("next_start"))
        .where(
            Session.starts_at > now - LONGEST_SESSION,
            Session.ends_at > now,
            Session.status == "scheduled",
            _of_region(Session.course_id, region),
        )
        .group_by(Session.course_id)
        .subquery()
    )
    query = (
        db.select(Course)
        .join(coming, coming.c.course_id == Course.id)
        .where(Course.status == "active")
        .order_by(coming.c.next_start, Course.id)
    )
    total, rows = _limited(query, 20)
    return Part(total, [row[0] for row in rows])


def desk_for(region: str | None, now: datetime | None = None) -> Desk:
    now = now or utcnow()
    return Desk(
        region=region,
        applications=waiting_applications(region, now),
        swaps=waiting_swaps(region),
        unprepared=unprepared_sessions(region, now),
        translations=translation_requests(region),
        unhosted=unhosted_sessions(region, now),
        joins=last_joins(region, now),
        courses=current_courses(region, now),
    )
