"""JSON shapes of courses and sessions, as the contract writes them."""

from __future__ import annotations

from typing import Any

from flask import url_for

from scheduler.courses.models import Course, Session
from scheduler.i18n import iso_date, iso_local


def session_json(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "number": session.number,
        "starts_at": iso_local(session.starts_at),
        "ends_at": iso_local(session.ends_at),
        "host_region": session.host_region,
        "cohost_region": session.cohost_region,
        "status": session.status,
        "host_set_by_hand": session.host_set_by_hand,
    } | ({"cancel_reason": session.cancel_reason.as_dict()} if session.cancelled else {})


def course_json(course: Course, *, with_sessions: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": course.id,
        "kind": course.kind,
        "title": course.title.as_dict(),
        "description": course.description.as_dict(),
        "languages": course.languages,
        "regions": course.region_codes,
        "host_weights": course.weights,
        "cohost": course.cohost,
        "first_session": iso_local(course.first_session),
        "duration_minutes": course.duration_minutes,
        "session_count": course.session_count,
        "capacity": course.capacity,
        "application_deadline": iso_date(course.application_deadline),
        "meeting": {"provider": course.meeting_provider},
        "join_url": url_for("meetings.join_open", course_id=course.id, _external=True),
        "calendar_url": url_for("calendars.course_feed", course_id=course.id, _external=True),
        "page_url": url_for("courses.detail", course_id=course.id, _external=True),
        "status": course.status,
    }
    if course.cancelled:
        data["cancel_reason"] = course.cancel_reason.as_dict()
    if with_sessions:
        data["sessions"] = [session_json(s) for s in course.sessions]
    return data
