"""Course endpoints of the JSON API."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l

from scheduler.accounts.auth import api_auth
from scheduler.api import bp, inputs
from scheduler.api.inputs import json_object
from scheduler.courses import services
from scheduler.courses.models import KINDS
from scheduler.courses.serialize import course_json, session_json
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.regions.data import region_facts


@bp.post("/courses")
@api_auth("admin", "planner")
def create_course():
    data = services.parse_course_input(json_object())
    course = services.create_course(g.api_user, data)
    db.session.commit()
    return course_json(course, with_sessions=True), 201


@bp.get("/courses")
def list_courses():
    codes = [fact.code for fact in region_facts()]
    region = inputs.query_choice("region", codes, _l("Unknown region code."))
    language = inputs.query_choice("language", LANGUAGES, _l('Use "fi" or "sv".'))
    kind = inputs.query_choice("kind", KINDS, _l('Use "open" or "closed".'))
    courses = services.find_courses(region=region, language=language, kind=kind)
    return {"courses": [course_json(course) for course in courses]}


@bp.get("/courses/<int:course_id>")
def get_course(course_id: int):
    return course_json(services.get_course(course_id), with_sessions=True)


@bp.get("/courses/<int:course_id>/sessions")
def list_sessions(course_id: int):
    course = services.get_course(course_id)
    return {"sessions": [session_json(session) for session in course.sessions]}
