"""Attendance of closed-course sessions, marked by the hosting regions' staff.

Names are shown only to the staff of the session's host and co-host region (and
administrators), who need them to run the session. Counts per session and per region are
kept on the attendance rows themselves (region_code), so they outlive the anonymisation
of the applications. Open groups' join counts are kept by the meetings package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.api import inputs
from scheduler.courses.models import Course, Session
from scheduler.courses.services import get_session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.errors import Conflict, FieldErrors, Forbidden
from scheduler.extensions import db
from scheduler.followup.models import Attendance, AttendanceSheet
from scheduler.meetings import counting

MARKING_ROLES = ("admin", "planner", "facilitator")
PRESENT_MAX = 10_000  # no course has more places


@dataclass(frozen=True)
class SheetRow:
    application: Application
    present: bool


def may_mark(user: User, session: Session) -> bool:
    """Staff of the session's host or co-host region, and administrators."""
    if user.is_admin:
        return True
    hosts = {session.host_region, session.cohost_region} - {None}
    return user.role in MARKING_ROLES and user.region_code in hosts


def check_may_mark(user: User, session: Session) -> None:
    if not may_mark(user, session):
        raise Forbidden(_l("Only the staff of the hosting regions can mark attendance."))
    if session.course.kind != "closed":
        raise Conflict(_l("Open groups have no participant list; their joins are counted."))


def sheet(session: Session) -> list[SheetRow]:
    """Accepted participants, plus anyone already marked present (e.g. who withdrew later)."""
    present_ids = set(
        db.session.scalars(
            db.select(Attendance.application_id).where(
                Attendance.session_id == session.id, Attendance.application_id.is_not(None)
            )
        )
    )
    applications = db.session.scalars(
        db.select(Application)
        .where(
            Application.course_id == session.course_id,
            Application.anonymised_at.is_(None),
            (Application.status == "accepted") | Application.id.in_(present_ids),
        )
        .order_by(Application.name, Application.id)
    )
    return [SheetRow(a, a.id in present_ids) for a in applications]


def parse_present(data: dict[str, Any]) -> list[int]:
    """{"present": [application ids]}"""
    errors = FieldErrors()
    inputs.only_fields(data, ("present",), errors)
    present = inputs.references(data.get("present"), "present", errors, max_items=PRESENT_MAX)
    errors.raise_if_any(_l("Check the highlighted fields."))
    return present


def record_attendance(actor: User, session_id: int, present: Iterable[int]) -> dict[str, Any]:
    """Replace the session's attendance with `present`; the caller commits."""
    session = get_session(session_id, lock=True)  # one marker at a time
    check_may_mark(actor, session)
    if session.cancelled:
        raise Conflict(_l("The session was cancelled."))
    opens = session.starts_at - timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"])
    if opens > utcnow():
        raise Conflict(_l("Attendance can be marked when the session is about to start."))
    wanted = set(present)
    rows = {row.application.id: row.application for row in sheet(session)}
    unknown = sorted(wanted - set(rows))
    if unknown:
        errors = FieldErrors()
        errors.add(
            "present",
            _l(
                "Not participants of this course: %(ids)s.",
                ids=", ".join(str(i) for i in unknown),
            ),
        )
        errors.raise_if_any(_l("Check the highlighted fields."))
    existing = {
        row.application_id: row
        for row in db.session.scalars(
            db.select(Attendance).where(
                Attendance.session_id == session.id, Attendance.application_id.is_not(None)
            )
        )
    }
    for application_id, row in existing.items():
        # Rows of applications no longer on the sheet (anonymised) are kept for the counts.
        if application_id in rows and application_id not in wanted:
            db.session.delete(row)
    for application_id in sorted(wanted - set(existing)):
        db.session.add(
            Attendance(
                session_id=session.id,
                course_id=session.course_id,
                application_id=application_id,
                region_code=rows[application_id].region_code,
            )
        )
    mark = db.session.get(AttendanceSheet, session.id)
    if mark is None:
        db.session.add(AttendanceSheet(session_id=session.id, marked_by_id=actor.id))
    else:
        mark.marked_by_id = actor.id
        mark.marked_at = utcnow()
    db.session.flush()
    audit.record("attendance.mark", session, actor=actor, present=len(wanted))
    return session_counts(session.id)


def record_viewing(actor: User, session: Session) -> None:
    """Showing participants' names is logged, so a client can ask who saw their data."""
    audit.record("attendance.view", session, actor=actor)


def session_counts(session_id: int) -> dict[str, Any]:
    by_region = dict(
        db.session.execute(
            db.select(Attendance.region_code, func.count())
            .where(Attendance.session_id == session_id)
            .group_by(Attendance.region_code)
        ).all()
    )
    return {"session": session_id, "present": sum(by_region.values()), "regions": by_region}


def course_counts(course: Course) -> dict[str, Any]:
    """Present per session and per region, and totals per region, in two queries."""
    rows = db.session.execute(
        db.select(Attendance.session_id, Attendance.region_code, func.count())
        .where(Attendance.course_id == course.id)
        .group_by(Attendance.session_id, Attendance.region_code)
    ).all()
    marked = set(
        db.session.scalars(
            db.select(AttendanceSheet.session_id).where(
                AttendanceSheet.session_id.in_([s.id for s in course.sessions])
            )
        )
    )
    per_session: dict[int, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for session_id, region, count in rows:
        per_session.setdefault(session_id, {})[region] = count
        totals[region] = totals.get(region, 0) + count
    # Open groups: anonymous joins and "which region" answers (scheduler.meetings).
    joins = counting.counts_of([s.id for s in course.sessions]) if course.kind == "open" else {}
    join_totals: dict[str, int] = {}
    sessions = []
    for session in course.sessions:
        regions = per_session.get(session.id, {})
        joined, answers = joins.get(session.id, (0, {}))
        for code, answers_count in answers.items():
            join_totals[code] = join_totals.get(code, 0) + answers_count
        row = {
            "id": session.id,
            "number": session.number,
            "starts_at": session.starts_at,
            "status": session.status,
            "marked": session.id in marked,
            "present": sum(regions.values()),
            "regions": regions,
        }
        if course.kind == "open":
            row["joins"] = joined
            row["join_regions"] = answers
        sessions.append(row)
    result: dict[str, Any] = {
        "course": course.id,
        "kind": course.kind,
        "sessions": sessions,
        "regions": totals,
        "present": sum(totals.values()),
    }
    if course.kind == "open":
        result["joins"] = sum(row["joins"] for row in sessions)
        result["join_regions"] = join_totals
    return result
