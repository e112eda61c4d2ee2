"""Attendance and feedback endpoints of the JSON API."""

from __future__ import annotations

from typing import Any

from flask import g

from scheduler.accounts.auth import api_auth
from scheduler.api import bp
from scheduler.api.inputs import json_object
from scheduler.courses.services import get_course
from scheduler.extensions import db
from scheduler.followup import services
from scheduler.i18n import iso_local


@bp.put("/sessions/<int:session_id>/attendance")
@api_auth("admin", "planner", "facilitator")
def put_attendance(session_id: int):
    present = services.parse_present(json_object())
    counts = services.record_attendance(g.api_user, session_id, present)
    db.session.commit()
    return {**counts, "present_ids": present}


@bp.get("/sessions/<int:session_id>/attendance")
@api_auth("admin", "planner", "facilitator")
def get_attendance(session_id: int):
    """The hosting staff's own view: who is marked present (ids only) and the counts."""
    session = services.get_session(session_id)
    services.check_may_mark(g.api_user, session)
    present_ids = [row.application.id for row in services.sheet(session) if row.present]
    return {**services.session_counts(session.id), "present_ids": present_ids}


@bp.get("/courses/<int:course_id>/attendance")
@api_auth("admin", "planner")
def course_attendance(course_id: int):
    course = get_course(course_id)
    services.check_may_read_reports(g.api_user, course)
    counts: dict[str, Any] = services.course_counts(course)
    for session in counts["sessions"]:
        session["starts_at"] = iso_local(session["starts_at"])
    return counts


@bp.get("/courses/<int:course_id>/feedback")
@api_auth("admin", "planner")
def course_feedback(course_id: int):
    course = get_course(course_id)
    services.check_may_read_reports(g.api_user, course)
    return services.feedback_summary(course)
