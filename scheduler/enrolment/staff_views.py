"""Staff pages: planners see and decide their own region's applicants (admins: all)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from scheduler.accounts.auth import staff_required
from scheduler.boundary.numbers import form_whole_number
from scheduler.courses.models import Course, CourseRegion
from scheduler.enrolment import seats, services
from scheduler.enrolment.blueprint import bp
from scheduler.enrolment.models import PLANNER_DECISIONS, TRANSITIONS, Application
from scheduler.enrolment.wording import STATUS_WORDS
from scheduler.errors import Conflict, Forbidden, ValidationFailed
from scheduler.extensions import db


@bp.get("/planner/applications")
@staff_required("admin", "planner")
def overview():
    """Closed courses of my region with my region's applicants counted by state."""
    query = (
        db.select(Course)
        .where(Course.kind == "closed")
        .options(selectinload(Course.participations))
        .order_by(Course.first_session, Course.id)
    )
    region = None if current_user.is_admin else current_user.region_code
    if region is not None:
        query = query.where(
            Course.id.in_(
                db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
            )
        )
    courses = list(db.session.scalars(query))
    counts: dict[int, dict[str, int]] = {course.id: {} for course in courses}
    if courses:
        count_query = (
            db.select(Application.course_id, Application.status, func.count())
            .where(Application.course_id.in_(list(counts)))
            .group_by(Application.course_id, Application.status)
        )
        if region is not None:
            count_query = count_query.where(Application.region_code == region)
        for course_id, status, count in db.session.execute(count_query):
            counts[course_id][status] = count
    return render_template(
        "enrolment/overview.html",
        courses=courses,
        counts=counts,
        region=region,
        status_words=STATUS_WORDS,
    )


def _render_selection(
    course_id: int,
    *,
    errors: dict[str, list[str]] | None = None,
    values: Any = None,
    status: int = 200,
) -> Any:
    course, applications = services.list_applications(current_user, course_id)
    seat_count = seats.count_seats(course)
    region = None if current_user.is_admin else current_user.region_code
    waitlisted = sum(1 for a in applications if a.status == "waitlisted")
    quotas = services.quotas_of(course)
    page = render_template(
        "enrolment/selection.html",
        course=course,
        applications=applications,
        same_email=services.same_email_groups(applications),
        seats=seat_count,
        quotas=quotas,
        region=region,
        status_words=STATUS_WORDS,
        decisions={
            a.id: [d for d in PLANNER_DECISIONS if d in TRANSITIONS[a.status]] for a in applications
        },
        deadline_passed=services.deadline_passed(course),
        can_fill=services.deadline_passed(course) and seat_count.free > 0 and waitlisted > 0,
        errors=errors or {},
        values=values
        if values is not None
        else {f"quota_{code}": "" if q is None else str(q) for code, q in quotas.items()},
    )
    # The view of applicants' data is logged; committed after rendering, so the page reads
    # the rows already loaded (a commit first would reload every applicant one by one).
    db.session.commit()
    return page, status


@bp.get("/planner/courses/<int:course_id>/applications")
@staff_required("admin", "planner")
def selection(course_id: int):
    return _render_selection(course_id)


@bp.post("/planner/applications/<int:application_id>/decision")
@staff_required("admin", "planner")
def decision(application_id: int):
    try:
        application = services.decide(current_user, application_id, request.form.get("status"))
    except (Conflict, ValidationFailed) as error:
        db.session.rollback()
        flash(str(error.detail), "error")
        application = db.session.get(Application, application_id)
        if application is None:
            abort(404)
    else:
        db.session.commit()
        flash(_("The decision was saved."), "success")
    target = url_for("enrolment.selection", course_id=application.course_id)
    return redirect(f"{target}#application-{application_id}", code=303)


@bp.post("/planner/courses/<int:course_id>/quotas")
@staff_required("admin", "planner")
def quotas(course_id: int):
    data: dict[str, Any] = {}
    for key, raw in request.form.items():
        if not key.startswith("quota_"):
            continue
        data[key.removeprefix("quota_")] = form_whole_number(raw)
    try:
        services.set_quotas(current_user, course_id, data)
    except ValidationFailed as error:
        db.session.rollback()
        errors = {
            f"quota_{field}": [str(m) for m in messages] for field, messages in error.errors.items()
        }
        return _render_selection(course_id, errors=errors, values=request.form, status=422)
    except (Conflict, Forbidden) as error:
        db.session.rollback()
        flash(str(error.detail), "error")
    else:
        db.session.commit()
        flash(_("The shares of places were saved."), "success")
    return redirect(url_for("enrolment.selection", course_id=course_id) + "#quotas", code=303)


@bp.post("/planner/courses/<int:course_id>/fill-from-waitlist")
@staff_required("admin", "planner")
def fill(course_id: int):
    try:
        result = services.fill_from_waitlist(current_user, course_id)
    except Conflict as error:
        db.session.rollback()
        flash(str(error.detail), "error")
    else:
        db.session.commit()
        count = len(result.accepted)
        flash(
            ngettext(
                "%(num)d person got a place from the waiting list.",
                "%(num)d people got a place from the waiting list.",
                count,
            )
            if count
            else _("Nobody on the waiting list could get a place."),
            "success",
        )
    return redirect(url_for("enrolment.selection", course_id=course_id), code=303)
