"""Enrolment endpoints of the JSON API (API.md, Enrolment)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import lazy_gettext as _l

from scheduler.accounts.auth import api_auth
from scheduler.api import bp, inputs
from scheduler.api.inputs import json_object
from scheduler.enrolment import services
from scheduler.enrolment.models import Application
from scheduler.errors import FieldErrors
from scheduler.extensions import db
from scheduler.i18n import iso_local

TOKEN_MAX = 1000  # far longer than any token the service hands out


def application_json(
    application: Application, same_email_as: list[int], same_phone_as: list[int] | None = None
) -> dict[str, Any]:
    return {
        "id": application.id,
        "name": application.name,
        "email": application.email,
        "phone": application.phone,
        "region": application.region_code,
        "language": application.language,
        "on_behalf": application.on_behalf,
        "contact": application.contact,
        "messages_to": application.messages_to,
        "support_person": (
            application.support_person.as_dict() if application.support_person else None
        ),
        "status": application.status,
        "submitted_at": iso_local(application.submitted_at),
        "status_changed_at": iso_local(application.status_changed_at),
        "same_email_as": same_email_as,
        "same_phone_as": same_phone_as or [],
    }


@bp.post("/courses/<int:course_id>/applications")
def submit_application(course_id: int):
    # The personal link is emailed, never answered; a second application with the same
    # address is stored too, so this answer never tells that the address applied before.
    submission = services.submit(
        course_id, json_object(), address=request.remote_addr, store_duplicate=True
    )
    db.session.commit()
    return {"id": submission.application.id, "status": submission.application.status}, 201


@bp.get("/courses/<int:course_id>/applications")
@api_auth("admin", "planner")
def list_applications(course_id: int):
    _course, applications = services.list_applications(g.api_user, course_id)
    db.session.commit()  # the view is logged
    same = services.same_email_groups(applications)
    same_phone = services.same_phone_groups(applications)
    return {
        "applications": [
            application_json(a, same.get(a.id, []), same_phone.get(a.id, [])) for a in applications
        ]
    }


@bp.post("/applications/<int:application_id>/decision")
@api_auth("admin", "planner")
def decide(application_id: int):
    data = json_object()
    inputs.check_fields(data, ("status",))
    application = services.decide(g.api_user, application_id, data.get("status"))
    db.session.commit()
    return {"id": application.id, "status": application.status}


@bp.post("/applications/withdraw")
def withdraw():
    data = json_object()
    errors = FieldErrors()
    inputs.only_fields(data, ("token",), errors)
    token = inputs.plain_text(
        data.get("token"), "token", errors, max_length=TOKEN_MAX, required=True
    )
    errors.raise_if_any(_l("Check the highlighted fields."))
    application = services.withdraw_by_token(token)
    db.session.commit()
    return {"status": application.status}


@bp.post("/courses/<int:course_id>/fill-from-waitlist")
@api_auth("admin", "planner")
def fill_from_waitlist(course_id: int):
    result = services.fill_from_waitlist(g.api_user, course_id)
    db.session.commit()
    return {
        "accepted": [{"id": a.id, "status": a.status} for a in result.accepted],
        "free_seats": result.free_seats,
    }


@bp.put("/courses/<int:course_id>/quotas")
@api_auth("admin", "planner")
def set_quotas(course_id: int):
    quotas = services.set_quotas(g.api_user, course_id, json_object())
    db.session.commit()
    return {"quotas": quotas}


@bp.get("/courses/<int:course_id>/quotas")
@api_auth("admin", "planner")
def get_quotas(course_id: int):
    course = services.get_course(course_id)
    services.check_may_see_course(g.api_user, course)
    return {"quotas": services.quotas_of(course)}
