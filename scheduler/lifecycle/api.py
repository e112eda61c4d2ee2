"""Course lifecycle endpoints of the JSON API (API.md, "Course lifecycle").

`PATCH /sessions/{id}` with `starts_at` is routed here by scheduler.hosting.api.
"""

from __future__ import annotations

from flask import g

from scheduler.accounts.auth import api_auth
from scheduler.api import bp
from scheduler.api.inputs import json_object
from scheduler.courses.serialize import course_json, session_json
from scheduler.extensions import db
from scheduler.lifecycle import editing, inputs, services


@bp.patch("/courses/<int:course_id>")
@api_auth("admin", "planner")
def edit_course(course_id: int):
    outcome = editing.edit_course(g.api_user, course_id, json_object())
    db.session.commit()
    body = course_json(outcome.course, with_sessions=True)
    body["changed"] = outcome.changed
    if outcome.problems:
        body["problems"] = outcome.problems
    return body


@bp.post("/courses/<int:course_id>/cancel")
@api_auth("admin", "planner")
def cancel_course(course_id: int):
    reason = inputs.parse_reason(json_object())
    course = services.cancel_course(g.api_user, course_id, reason)
    db.session.commit()
    return course_json(course, with_sessions=True)


@bp.post("/courses/<int:course_id>/sessions")
@api_auth("admin", "planner")
def add_sessions(course_id: int):
    count = inputs.parse_count(json_object())
    outcome = services.add_sessions(g.api_user, course_id, count)
    db.session.commit()
    body = {"sessions": [session_json(s) for s in outcome.sessions]}
    if outcome.problems:
        body["problems"] = outcome.problems
    return body, 201


@bp.post("/courses/<int:course_id>/copy")
@api_auth("admin", "planner")
def copy_course(course_id: int):
    course = services.copy_course(g.api_user, course_id, json_object())
    db.session.commit()
    return course_json(course, with_sessions=True), 201


@bp.post("/sessions/<int:session_id>/cancel")
@api_auth("admin", "planner")
def cancel_session(session_id: int):
    reason = inputs.parse_reason(json_object())
    session = services.cancel_session(g.api_user, session_id, reason)
    db.session.commit()
    return session_json(session)
