"""Reading the audit log: administrators see every entry, planners the entries about their
own region's courses (the course, its sessions, and their own region's applicants).

Filters: who (a staff member's email, or "applicant"/"system"), what (the action, or its first
part such as "course."), when (Helsinki dates), and one course. Pages go backwards by id
(`before`), so a page costs the same however long the log is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, or_

from scheduler.accounts.models import User
from scheduler.api import inputs
from scheduler.audit import AuditEntry
from scheduler.boundary import ids
from scheduler.boundary.numbers import whole_number
from scheduler.courses.models import CourseRegion, Session
from scheduler.enrolment.models import Application
from scheduler.errors import FieldErrors, Forbidden
from scheduler.extensions import db
from scheduler.i18n import iso_local
from scheduler.periods import day_bounds

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ACTOR_KINDS = ("user", "applicant", "system")


@dataclass(frozen=True)
class LogFilters:
    who: str = ""  # an email, or one of ACTOR_KINDS
    action: str = ""
    course: int | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = None
    limit: int = PAGE_SIZE


@dataclass(frozen=True)
class LogLine:
    entry: AuditEntry
    actor: User | None


@dataclass(frozen=True)
class LogPage:
    lines: list[LogLine]
    next_before: int | None  # the id to ask for the next (older) page, None at the end


def check_may_read(actor: User) -> str | None:
    """The region whose entries `actor` reads (None: all, for an admin)."""
    if actor.is_admin:
        return None
    if actor.role == "planner" and actor.region_code:
        return actor.region_code
    raise Forbidden(_l("Only administrators and planners can read the change log."))


def _positive(args: Any, name: str, errors: FieldErrors, *, is_id: bool = False) -> int | None:
    """A whole number above zero in ASCII digits (an id beyond the database names nothing)."""
    if name not in args:
        return None
    number = whole_number(args[name])
    if number is None or number < 1:
        errors.add(name, _l("Give a whole number."))
        return None
    return ids.bounded(number) if is_id else number


def parse_filters(args: Any) -> LogFilters:
    """From query parameters (page or API); raise ValidationFailed listing every problem."""
    errors = FieldErrors()
    who = (args.get("who") or "").strip()[:254]
    action = (args.get("action") or "").strip()[:60]
    since = inputs.iso_date(args["from"], "from", errors) if "from" in args else None
    until = inputs.iso_date(args["to"], "to", errors) if "to" in args else None
    if since and until and until < since:
        errors.add("to", _l("The end must be on or after the start."))
    course = _positive(args, "course", errors, is_id=True)
    before = _positive(args, "before", errors, is_id=True)
    limit = _positive(args, "limit", errors) or PAGE_SIZE
    if limit > MAX_PAGE_SIZE:
        errors.add("limit", _l("At most %(count)d.", count=MAX_PAGE_SIZE))
    errors.raise_if_any(_l("Check the highlighted fields."))
    return LogFilters(who, action, course, since, until, before, min(limit, MAX_PAGE_SIZE))


def _as_text(query: Any) -> Any:
    """Ids from `query` as text, to compare with AuditEntry.object_id."""
    column = query.subquery().c[0]
    return db.select(cast(column, String))


def _about_courses(region: str | None, course: int | None) -> Any:
    """Entries about the courses (the region's, or one): the course, its sessions, and the
    region's own applicants."""
    courses = db.select(CourseRegion.course_id)
    if region is not None:
        courses = courses.where(CourseRegion.region_code == region)
    if course is not None:
        courses = courses.where(CourseRegion.course_id == course)
    sessions = db.select(Session.id).where(Session.course_id.in_(courses))
    applications = db.select(Application.id).where(Application.course_id.in_(courses))
    if region is not None:
        applications = applications.where(Application.region_code == region)
    return or_(
        (AuditEntry.object_type == "course") & AuditEntry.object_id.in_(_as_text(courses)),
        (AuditEntry.object_type == "course_session") & AuditEntry.object_id.in_(_as_text(sessions)),
        (AuditEntry.object_type == "application")
        & AuditEntry.object_id.in_(_as_text(applications)),
    )


def read_log(actor: User, filters: LogFilters) -> LogPage:
    """One page of entries, newest first, with their actors (two queries)."""
    region = check_may_read(actor)
    query = db.select(AuditEntry)
    if region is not None or filters.course is not None:
        query = query.where(_about_courses(region, filters.course))
    if filters.who in ACTOR_KINDS:
        query = query.where(AuditEntry.actor_kind == filters.who)
    elif filters.who:
        query = query.where(
            AuditEntry.actor_id.in_(db.select(User.id).where(User.email == filters.who.lower()))
        )
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.since:
        query = query.where(AuditEntry.at >= day_bounds(filters.since, filters.since)[0])
    if filters.until:
        query = query.where(AuditEntry.at < day_bounds(filters.until, filters.until)[1])
    if filters.before is not None:
        query = query.where(AuditEntry.id < filters.before)
    entries = list(
        db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(filters.limit + 1))
    )
    more = len(entries) > filters.limit
    entries = entries[: filters.limit]
    actor_ids = sorted({e.actor_id for e in entries if e.actor_id is not None})
    users = (
        {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    lines = [LogLine(e, users.get(e.actor_id) if e.actor_id else None) for e in entries]
    return LogPage(lines=lines, next_before=entries[-1].id if more and entries else None)


def line_json(line: LogLine) -> dict[str, Any]:
    entry, user = line.entry, line.actor
    return {
        "id": entry.id,
        "at": iso_local(entry.at),
        "actor": None
        if user is None
        else {"id": user.id, "email": user.email, "role": user.role, "region": user.region_code},
        "actor_kind": entry.actor_kind,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
    }
