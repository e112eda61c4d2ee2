"""Sessions and courses after creation: move, cancel, add sessions, cancel a course, copy.

Each service checks who may act and the state, changes the rows, writes the audit entry and
queues the messages (scheduler.lifecycle.notifications); the caller commits. Hosts are
checked and planned by the rotation's own rules (scheduler.hosting), never a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from scheduler import audit, rotation
from scheduler.accounts.models import User
from scheduler.content import access
from scheduler.content.models import SessionMaterial
from scheduler.courses.models import Course, Session
from scheduler.courses.services import create_course, get_course, get_session, parse_course_input
from scheduler.dbtypes import utcnow
from scheduler.enrolment import seats
from scheduler.errors import Conflict, Forbidden, NotFound
from scheduler.extensions import db
from scheduler.hosting import services as hosting
from scheduler.hosting.planning import holidays_between
from scheduler.hosting.rules import Rules, local_day, long_date
from scheduler.i18n import HELSINKI, LocalizedText
from scheduler.lifecycle import inputs
from scheduler.lifecycle.notifications import (
    COURSE_CANCELLED,
    SESSION_CANCELLED,
    SESSION_MOVED,
    SessionChange,
    notify_session_change,
)

# --- who may, and in which state ---------------------------------------------------------------


def may_manage(actor: Any, course: Course) -> bool:
    """Admins, and planners of a region that takes part in the course."""
    return hosting.may_plan(actor, course)


def check_may_manage(actor: User, course: Course) -> None:
    if not may_manage(actor, course):
        raise Forbidden(
            _l("Only planners of the course's regions and administrators can change the course.")
        )


def check_active(course: Course) -> None:
    if course.cancelled:
        raise Conflict(
            _l("This course is cancelled, so it can no longer be changed. Copy it to run it again.")
        )


def load_course(course_id: int) -> Course:
    """The course with its regions and sessions, locked against concurrent changes (and
    against accepting applicants at the same moment: the enrolment lock)."""
    seats.lock_course(course_id)
    return get_course(course_id)


def load_session(session_id: int) -> Session:
    """The session with its course, after taking the course's lock (as load_course), so two
    changes of the same course never both pass their checks."""
    course_id = db.session.scalar(db.select(Session.course_id).where(Session.id == session_id))
    if course_id is None:
        raise NotFound(_l("No such session."))
    seats.lock_course(course_id)
    return get_session(session_id)


def frozen(session: Session, now: datetime) -> bool:
    return session.starts_at <= now + timedelta(days=current_app.config["FREEZE_DAYS"])


def mark_cancelled(session: Session, reason: LocalizedText | None) -> None:
    session.status = "cancelled"
    session.cancel_reason_fi = reason.fi if reason else ""
    session.cancel_reason_sv = reason.sv if reason else ""
    session.touch()


# --- one session ---------------------------------------------------------------------------------


def cancel_session(actor: User, session_id: int, reason: LocalizedText) -> Session:
    """Cancel one session (again: no change); participants and host planners are told."""
    session = load_session(session_id)
    course = session.course
    check_may_manage(actor, course)
    if session.cancelled:
        return session
    if session.starts_at <= utcnow():
        raise Conflict(_l("This session has already started, so it can no longer be cancelled."))
    mark_cancelled(session, reason)
    audit.record("session.cancel", session, actor=actor, course=course.id, number=session.number)
    notify_session_change(course, [SessionChange(session)], SESSION_CANCELLED, reason=reason)
    return session


def move_session(actor: User, session_id: int, move: inputs.MoveInput) -> Session:
    """Move one session to another time; its hosts must be able to hold it then (409)."""
    session = load_session(session_id)
    course = session.course
    check_may_manage(actor, course)
    check_active(course)
    now = utcnow()
    if session.starts_at <= now:
        raise Conflict(_l("This session has already started, so it can no longer be moved."))
    if session.cancelled:
        raise Conflict(_l("This session is cancelled. Restore it before you move it."))
    starts_at = move.starts_at.astimezone(UTC)
    if starts_at <= now:
        raise Conflict(_l("The new time is in the past. Choose a time that is still to come."))
    minutes = move.duration_minutes or round(
        (session.ends_at - session.starts_at).total_seconds() / 60
    )
    ends_at = starts_at + timedelta(minutes=minutes)
    old_start, old_end = session.starts_at, session.ends_at
    if (starts_at, ends_at) == (old_start, old_end):
        return session
    clash = next(
        (
            other
            for other in course.sessions
            if other.id != session.id
            and not other.cancelled
            and other.starts_at < ends_at
            and starts_at < other.ends_at
        ),
        None,
    )
    if clash is not None:
        raise Conflict(
            _l("Session %(number)d of this course is already at that time.", number=clash.number)
        )
    session.starts_at, session.ends_at = starts_at, ends_at
    hosts = [
        (role, code)
        for role, code in (("host", session.host_region), ("cohost", session.cohost_region))
        if code
    ]
    rules = Rules.around([session], [code for _, code in hosts])
    for role, code in hosts:
        hosting.check_host(rules, role, code, session, course)
    session.touch()
    audit.record(
        "session.move",
        session,
        actor=actor,
        course=course.id,
        starts_at=[old_start, starts_at],
        ends_at=[old_end, ends_at],
    )
    notify_session_change(course, [SessionChange(session, old_start, old_end)], SESSION_MOVED)
    return session


# --- the whole course ----------------------------------------------------------------------------


def cancel_course(actor: User, course_id: int, reason: LocalizedText) -> Course:
    """Cancel the course and every session still to come; everyone affected is told."""
    course = load_course(course_id)
    check_may_manage(actor, course)
    if course.cancelled:
        return course
    now = utcnow()
    coming = [s for s in course.sessions if s.starts_at > now and not s.cancelled]
    for session in coming:
        mark_cancelled(session, reason)
    course.status = "cancelled"
    course.cancel_reason_fi, course.cancel_reason_sv = reason.fi, reason.sv
    course.cancelled_at = now
    audit.record("course.cancel", course, actor=actor, sessions=[s.id for s in coming])
    changes = [SessionChange(session) for session in coming]
    notify_session_change(course, changes, COURSE_CANCELLED, reason=reason)
    return course


@dataclass
class AddOutcome:
    course: Course
    sessions: list[Session]
    problems: list[dict] = field(default_factory=list)


def next_series_start(course: Course) -> datetime:
    """The series' weekday and time in the week after its last session (Helsinki time)."""
    first = course.first_session.astimezone(HELSINKI)
    last_day = max(local_day(s.starts_at) for s in course.sessions)
    monday = last_day - timedelta(days=last_day.weekday())
    day = monday + timedelta(weeks=1, days=first.weekday())
    return datetime.combine(day, time(first.hour, first.minute), tzinfo=HELSINKI)


def add_sessions(actor: User, course_id: int, count: int) -> AddOutcome:
    """Add `count` weekly sessions after the last one and plan their hosts by the rules."""
    course = load_course(course_id)
    check_may_manage(actor, course)
    check_active(course)
    start = next_series_start(course)
    dates = rotation.weekly_dates(
        start,
        timedelta(minutes=course.duration_minutes),
        count,
        holidays_between(start.date()),
    )
    if dates[0][0] <= utcnow():
        raise Conflict(_l("The course has already ended. Copy it to run it again with new dates."))
    number = max(s.number for s in course.sessions)
    added = [
        Session(number=number + i, starts_at=begin, ends_at=end, status="scheduled")
        for i, (begin, end) in enumerate(dates, start=1)
    ]
    course.sessions.extend(added)
    course.session_count += count
    db.session.flush()
    outcome = hosting.replan_loaded([course], actor)
    audit.record(
        "course.add_sessions", course, actor=actor, sessions=[s.id for s in added], count=count
    )
    added_ids = {s.id for s in added}
    problems = [p for p in outcome.problems if p["session"] in added_ids]
    return AddOutcome(course=course, sessions=added, problems=problems)


def copy_course(actor: User, course_id: int, data: dict[str, Any]) -> Course:
    """A new course like this one (texts, regions, weights, meeting, seat shares, materials
    by session number) on new dates, without applicants."""
    source = get_course(course_id)
    check_may_manage(actor, source)
    payload = inputs.copy_payload(source, inputs.parse_copy(data))
    course = create_course(actor, parse_course_input(payload))
    quotas = {p.region_code: p.seat_quota for p in source.participations}
    for participation in course.participations:
        participation.seat_quota = quotas.get(participation.region_code)
    copied = _copy_materials(actor, source, course)
    audit.record("course.copy", course, actor=actor, source=source.id, materials=copied)
    return course


def _copy_materials(actor: User, source: Course, course: Course) -> int:
    """Attach the materials of the source's sessions to the sessions of the same number."""
    by_number = {s.number: s for s in course.sessions}
    numbers = {s.id: s.number for s in source.sessions}
    if not numbers:
        return 0
    links = db.session.scalars(
        db.select(SessionMaterial)
        .where(SessionMaterial.session_id.in_(list(numbers)))
        .order_by(SessionMaterial.attached_at, SessionMaterial.id)
        .options(selectinload(SessionMaterial.material))
    )
    copied = 0
    for link in links:
        target = by_number.get(numbers[link.session_id])
        if target is None or not access.can_see(actor, link.material):
            continue
        db.session.add(
            SessionMaterial(
                session_id=target.id, material_id=link.material_id, attached_by_id=actor.id
            )
        )
        copied += 1
    return copied


def describe_session(session: Session) -> str:
    """ "session 3 (Tuesday 12 January 2027)" in the page's language, for messages."""
    return str(
        _l(
            "session %(number)d (%(day)s)",
            number=session.number,
            day=long_date(local_day(session.starts_at)),
        )
    )
