"""Course endpoints of the JSON API."""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l

from scheduler.accounts.auth import api_auth
from scheduler.api import bp
from scheduler.api.inputs import json_object
from scheduler.courses import services
from scheduler.courses.serialize import course_json, session_json
from scheduler.errors import ValidationFailed
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES


@bp.post("/courses")
@api_auth("admin", "planner")
def create_course():
    data = services.parse_course_input(json_object())
    course = services.create_course(g.api_user, data)
    db.session.commit()
    return course_json(course, with_sessions=True), 201


@bp.get("/courses")
def list_courses():
    region = request.args.get("region") or None
    language = request.args.get("language") or None
    kind = request.args.get("kind") or None
    if language is not None and language not in LANGUAGES:
        raise ValidationFailed(errors={"language": [_l('Use "fi" or "sv".')]})
    if kind is not None and kind not in ("open", "closed"):
        raise ValidationFailed(errors={"kind": [_l('Use "open" or "closed".')]})
    courses = services.find_courses(region=region, language=language, kind=kind)
    return {"courses": [course_json(course) for course in courses]}


@bp.get("/courses/<int:course_id>")
def get_course(course_id: int):
    return course_json(services.get_course(course_id), with_sessions=True)


@bp.get("/courses/<int:course_id>/sessions")
def list_sessions(course_id: int):
    course = services.get_course(course_id)
    return {"sessions": [session_json(session) for session in course.sessions]}
