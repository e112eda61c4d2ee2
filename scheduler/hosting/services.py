"""Rotation changes: re-planning a course, setting a host by hand, cancelling, closures.

Every change is audited (region codes and ids only) and every change of hosts queues an
email to the planners of the regions concerned. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.api import inputs
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.courses.services import get_course as load_course
from scheduler.courses.services import get_session as load_session
from scheduler.dbtypes import utcnow
from scheduler.errors import Conflict, FieldErrors, Forbidden, NotFound, ValidationFailed
from scheduler.extensions import db
from scheduler.hosting import notifications
from scheduler.hosting.models import Closure
from scheduler.hosting.planning import HostChange, plan_courses
from scheduler.hosting.rules import Rules, local_day, long_date, region_label
from scheduler.lifecycle.notifications import (
    SESSION_CANCELLED,
    SESSION_RESTORED,
    SessionChange,
    notify_session_change,
)
from scheduler.periods import day_bounds
from scheduler.regions.data import region_facts

REASON_MAX = 300
CLOSURE_MAX_DAYS = 3 * 366
MISSING: Any = object()
SESSION_FIELDS = ("host_region", "cohost_region", "status", "host_set_by_hand")
CLOSURE_FIELDS = ("start", "end", "reason")


class HostConflict(Conflict):
    """A region cannot host (or co-host) a session; `reason` is the rotation's reason code."""

    def __init__(self, detail: Any, reason: str, field_name: str = "host_region") -> None:
        super().__init__(detail, errors={field_name: [detail]})
        self.reason = reason


# --- loading and permissions ---------------------------------------------------------------------


def may_plan(actor: User, course: Course) -> bool:
    """Admins, and planners of a region that takes part in the course."""
    return actor.is_admin or (actor.role == "planner" and actor.region_code in course.region_codes)


def check_may_plan(actor: User, course: Course) -> None:
    if not may_plan(actor, course):
        raise Forbidden(
            _l("Only planners of the course's regions and administrators can change its hosts.")
        )


# --- problems in words ---------------------------------------------------------------------------


def _frozen(session: Session) -> bool:
    freeze = timedelta(days=current_app.config["FREEZE_DAYS"])
    return session.starts_at <= utcnow() + freeze


def describe_problems(course: Course, planner_problems: Iterable[Any], rules: Rules) -> list[dict]:
    """The planner's unfillable sessions, plus kept (hand-set or frozen) sessions whose host
    can no longer host them, as {"session", "role", "reason", "detail"} in the page language."""
    by_id = {s.id: s for s in course.sessions}
    problems = []
    for problem in planner_problems:
        session = by_id[problem.key]
        problems.append(
            {
                "session": session.id,
                "role": problem.role,
                "reason": problem.reason,
                "detail": _nobody_can(problem.role, session, course, rules),
            }
        )
    now = utcnow()
    for session in sorted(course.sessions, key=lambda s: s.starts_at):
        if session.cancelled or session.starts_at <= now:
            continue
        for role, code in (("host", session.host_region), ("cohost", session.cohost_region)):
            if code is None:
                continue
            reason = rules.reason(code, session, course)
            if reason is None:
                continue
            why = (
                _l("It was kept because a planner set it by hand.")
                if session.host_set_by_hand
                else _l(
                    "It was kept because the session is less than %(days)d days away.",
                    days=current_app.config["FREEZE_DAYS"],
                )
                if _frozen(session)
                else _l("Please choose another region.")
            )
            sentence = rules.sentence(role, reason, region_label(code), code, session, course)
            problems.append(
                {
                    "session": session.id,
                    "role": role,
                    "reason": reason,
                    "detail": f"{sentence} {why}",
                }
            )
    return problems


def _nobody_can(role: str, session: Session, course: Course, rules: Rules) -> str:
    day = long_date(local_day(session.starts_at))
    parts = []
    for code in course.region_codes:
        if role == "cohost" and code == session.host_region:
            is_host = _l("is the host")
            parts.append(f"{region_label(code)}: {is_host}")
            continue
        reason = rules.reason(code, session, course)
        if reason is not None:
            short = rules.short_reason(reason, code, session, course)
            parts.append(f"{region_label(code)}: {short}")
    head = (
        _l("No region can host session %(number)d on %(day)s.", number=session.number, day=day)
        if role == "host"
        else _l(
            "No region can co-host session %(number)d on %(day)s.", number=session.number, day=day
        )
    )
    return f"{head} {'; '.join(parts)}." if parts else str(head)


# --- re-planning ---------------------------------------------------------------------------------


@dataclass
class PlanOutcome:
    courses: list[Course]
    changes: list[HostChange] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


def _replan(courses: list[Course], actor: User | None, why: str) -> PlanOutcome:
    outcomes = plan_courses(courses)
    sessions = [s for c in courses for s in c.sessions]
    codes = {code for c in courses for code in c.region_codes}
    rules = Rules.around(sessions, codes)
    result = PlanOutcome(courses=list(courses))
    for outcome in outcomes:
        course = outcome.course
        result.changes.extend(outcome.changes)
        result.problems.extend(describe_problems(course, outcome.result.problems, rules))
        audit.record(
            "course.replan",
            course,
            actor=actor,
            why=why,
            changed=[change.session.id for change in outcome.changes],
            problems=len(outcome.result.problems),
        )
    notifications.notify_host_changes(result.changes, why, {c.id: c for c in courses})
    return result


def replan_loaded(
    courses: list[Course], actor: User | None, why: str = notifications.WHY_PLAN
) -> PlanOutcome:
    """Re-plan courses the caller has loaded and locked (e.g. after editing one); audited,
    and the planners whose duties changed are told."""
    return _replan(courses, actor, why)


def replan_course(actor: User, course_id: int) -> PlanOutcome:
    """Re-plan one course, keeping past, frozen, cancelled and hand-set sessions."""
    course = load_course(course_id, lock=True)
    check_may_plan(actor, course)
    return _replan([course], actor, notifications.WHY_PLAN)


# --- setting hosts by hand, cancelling -----------------------------------------------------------


@dataclass(frozen=True)
class SessionUpdate:
    host: Any = MISSING
    cohost: Any = MISSING
    status: str | None = None
    by_hand: bool | None = None


def parse_session_update(data: dict[str, Any]) -> SessionUpdate:
    """Check the PATCH body; raise ValidationFailed listing every problem."""
    errors = FieldErrors()
    inputs.only_fields(data, SESSION_FIELDS, errors)
    known = {fact.code for fact in region_facts()}
    host = data.get("host_region", MISSING)
    if host is None:
        errors.add("host_region", _l('A session needs a host region. Give a code like "05".'))
    elif host is not MISSING and (not isinstance(host, str) or host not in known):
        errors.add("host_region", _l("Unknown region code."))
    cohost = data.get("cohost_region", MISSING)
    if cohost not in (MISSING, None) and (not isinstance(cohost, str) or cohost not in known):
        errors.add("cohost_region", _l("Unknown region code."))
    status = data.get("status")
    if "status" in data and status not in ("scheduled", "cancelled"):
        errors.add("status", _l('Use "scheduled" or "cancelled".'))
    by_hand = data.get("host_set_by_hand")
    if "host_set_by_hand" in data and not isinstance(by_hand, bool):
        errors.add("host_set_by_hand", _l("Give true or false."))
    changes_hosts = host is not MISSING or cohost is not MISSING
    if status == "cancelled" and changes_hosts:
        errors.add("status", _l("Cancel a session on its own, without changing its hosts."))
    if changes_hosts and by_hand is False:
        errors.add("host_set_by_hand", _l("A host chosen by hand is always kept in re-planning."))
    if isinstance(host, str) and host == cohost:
        errors.add("cohost_region", _l("The co-host must be another region than the host."))
    if not errors and not changes_hosts and status is None and by_hand is None:
        raise ValidationFailed(
            _l("Nothing to change. Give host_region, cohost_region, status or host_set_by_hand.")
        )
    errors.raise_if_any(_l("Check the highlighted fields."))
    return SessionUpdate(host=host, cohost=cohost, status=status, by_hand=by_hand)


def update_session(actor: User, session_id: int, update: SessionUpdate) -> Session:
    """Set the host/co-host by hand (kept through re-planning), cancel or restore a session."""
    session = load_session(session_id, lock=True)
    course = session.course
    check_may_plan(actor, course)
    if session.starts_at <= utcnow():
        raise Conflict(_l("This session has already started, so it can no longer be changed."))
    old = (session.host_region, session.cohost_region, session.status, session.host_set_by_hand)

    if update.status == "cancelled":
        if not session.cancelled:
            session.status = "cancelled"
            session.cancel_reason_fi = session.cancel_reason_sv = ""
            session.touch()
            _record(actor, session, old)
            # Participants and the hosting regions' planners (scheduler.lifecycle).
            notify_session_change(course, [SessionChange(session)], SESSION_CANCELLED)
        return session

    restoring = update.status == "scheduled" and session.cancelled
    if restoring and course.status == "cancelled":
        raise Conflict(_l("The course is cancelled, so its sessions cannot be held again."))
    changes_hosts = update.host is not MISSING or update.cohost is not MISSING
    if session.cancelled and not restoring and changes_hosts:
        raise Conflict(_l("This session is cancelled. Restore it before you change its host."))

    new_host = session.host_region if update.host is MISSING else update.host
    new_cohost = session.cohost_region if update.cohost is MISSING else update.cohost
    if new_host is not None and new_host == new_cohost:
        raise HostConflict(
            _l(
                "%(region)s is already the co-host of this session. Choose another co-host "
                "as well.",
                region=region_label(new_host),
            ),
            "is_cohost",
        )
    rules = Rules.around([session], [c for c in (new_host, new_cohost) if c])
    if new_host is not None and (update.host is not MISSING or restoring):
        _check(rules, "host", new_host, session, course)
    if new_cohost is not None and (update.cohost is not MISSING or restoring):
        _check(rules, "cohost", new_cohost, session, course)

    session.host_region, session.cohost_region = new_host, new_cohost
    if restoring:
        session.status = "scheduled"
    if changes_hosts:
        session.host_set_by_hand = True
    elif update.by_hand is not None:
        session.host_set_by_hand = update.by_hand
    new = (session.host_region, session.cohost_region, session.status, session.host_set_by_hand)
    if new == old:
        return session
    if new[:3] != old[:3]:
        session.touch()
    _record(actor, session, old)
    if restoring:
        session.cancel_reason_fi = session.cancel_reason_sv = ""
        notify_session_change(course, [SessionChange(session)], SESSION_RESTORED)
    if new[:2] != old[:2]:
        change = HostChange(session, old[0], old[1], new[0], new[1], restored=restoring)
        notifications.notify_host_changes([change], notifications.WHY_MANUAL, {course.id: course})
    return session


def check_host(rules: Rules, role: str, code: str, session: Session, course: Course) -> None:
    """Raise HostConflict (409 with the reason code) when `code` cannot host (or co-host)."""
    _check(rules, role, code, session, course)


def _check(rules: Rules, role: str, code: str, session: Session, course: Course) -> None:
    reason = rules.reason(code, session, course)
    if reason is not None:
        field_name = "host_region" if role == "host" else "cohost_region"
        sentence = rules.sentence(role, reason, region_label(code), code, session, course)
        raise HostConflict(sentence, reason, field_name)


def _record(actor: User, session: Session, old: tuple) -> None:
    audit.record(
        "session.update",
        session,
        actor=actor,
        host=[old[0], session.host_region],
        cohost=[old[1], session.cohost_region],
        status=[old[2], session.status],
        host_set_by_hand=[old[3], session.host_set_by_hand],
    )


# --- closures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureInput:
    start: date
    end: date
    reason: str


def parse_closure(data: dict[str, Any]) -> ClosureInput:
    errors = FieldErrors()
    inputs.only_fields(data, CLOSURE_FIELDS, errors)
    start = end = None
    for name in ("start", "end"):
        if data.get(name) in (None, ""):
            errors.add(name, _l("Required."))
    if "start" not in errors:
        start = inputs.iso_date(data["start"], "start", errors)
    if "end" not in errors:
        end = inputs.iso_date(data["end"], "end", errors)
    if start and end:
        if end < start:
            errors.add("end", _l("The end must be on or after the start."))
        elif (end - start).days > CLOSURE_MAX_DAYS:
            errors.add("end", _l("A closure can be at most three years long."))
    reason = inputs.plain_text(data.get("reason"), "reason", errors, max_length=REASON_MAX)
    errors.raise_if_any(_l("Check the highlighted fields."))
    return ClosureInput(start=start, end=end, reason=reason)


@dataclass
class ClosureOutcome:
    closure: Closure
    plan: PlanOutcome


def check_region(code: str) -> None:
    if code not in {fact.code for fact in region_facts()}:
        raise NotFound(_l("No such region."))


def check_may_close(actor: User, code: str) -> None:
    if actor.role not in ("admin", "planner") or not actor.acts_for(code):
        raise Forbidden(_l("You can mark closed periods only for your own region."))


def add_closure(actor: User, code: str, data: ClosureInput) -> ClosureOutcome:
    """Store the closure and re-plan every course with sessions in it (within the rules)."""
    check_region(code)
    check_may_close(actor, code)
    closure = Closure(
        region_code=code, start=data.start, end=data.end, reason=data.reason, created_by_id=actor.id
    )
    db.session.add(closure)
    db.session.flush()
    # The reason is free text: it stays out of the audit log.
    audit.record(
        "closure.create",
        closure,
        actor=actor,
        region=code,
        start=data.start.isoformat(),
        end=data.end.isoformat(),
    )
    courses = courses_with_sessions_in(code, data.start, data.end)
    plan = _replan(courses, actor, notifications.WHY_CLOSURE) if courses else PlanOutcome([])
    return ClosureOutcome(closure=closure, plan=plan)


def courses_with_sessions_in(code: str, start: date, end: date) -> list[Course]:
    """Courses of the region with scheduled sessions in [start, end], locked for re-planning."""
    low, high = day_bounds(start, end)
    ids = (
        db.select(Session.course_id)
        .join(CourseRegion, CourseRegion.course_id == Session.course_id)
        .where(
            CourseRegion.region_code == code,
            Session.status == "scheduled",
            Session.starts_at >= low,
            Session.starts_at < high,
        )
    )
    return list(
        db.session.scalars(
            db.select(Course)
            .where(Course.id.in_(ids))
            .order_by(Course.first_session, Course.id)
            .options(selectinload(Course.participations), selectinload(Course.sessions))
            .with_for_update(of=Course)
        )
    )


def closures_of(codes: Iterable[str] | None, since: date) -> list[Closure]:
    """Closures that end on or after `since` (all regions when codes is None), one query."""
    query = db.select(Closure).where(Closure.end >= since)
    if codes is not None:
        query = query.where(Closure.region_code.in_(list(codes)))
    return list(db.session.scalars(query.order_by(Closure.start, Closure.region_code, Closure.id)))


def may_read_reason(actor: User, code: str) -> bool:
    """A closure's reason is for its own region and admins; others see only the dates."""
    return actor.acts_for(code)


def closure_json(closure: Closure, *, with_reason: bool) -> dict[str, Any]:
    return {
        "id": closure.id,
        "region": closure.region_code,
        "start": closure.start.isoformat(),
        "end": closure.end.isoformat(),
        "reason": closure.reason if with_reason else None,
    }
