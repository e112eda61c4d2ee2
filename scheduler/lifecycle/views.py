"""Planner pages for running a course: manage, edit, move or cancel a session, add sessions,
cancel the course, copy it. Thin: read the form, call the service, commit, tell what happened;
a refusal shows the form again with the reason (409) or the fields to fix (422).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from scheduler.accounts.auth import staff_required
from scheduler.boundary.numbers import form_whole_number
from scheduler.courses.models import Course
from scheduler.courses.services import PROVIDERS, configured_providers, get_course, get_session
from scheduler.dbtypes import utcnow
from scheduler.errors import Conflict, DomainError
from scheduler.extensions import db
from scheduler.lifecycle import editing, forms, inputs, services
from scheduler.regions.data import region_facts

bp = Blueprint("lifecycle", __name__)
PLANNERS = ("admin", "planner")


def _errors(error: DomainError, default_field: str = "form") -> dict[str, list[str]]:
    found = {name: [str(m) for m in messages] for name, messages in error.errors.items()}
    if isinstance(error, Conflict) or not found:
        found.setdefault(default_field, []).insert(0, str(error.detail))
    return found


def _status(error: DomainError) -> int:
    return error.status if error.status in (403, 409, 422) else 422


def _expired() -> dict[str, list[str]]:
    return {"form": [_("The form had expired. Please send it again.")]}


def _managed_course(course_id: int) -> Course:
    course = get_course(course_id)
    services.check_may_manage(current_user, course)
    return course


# --- the course's own page for planners ---------------------------------------------------------


def _manage_page(course: Course, errors: dict | None = None, status: int = 200) -> Any:
    return render_template(
        "lifecycle/manage.html",
        course=course,
        now=utcnow(),
        errors=errors or {},
        values=request.form if errors else {},
        form=FlaskForm(),
    ), status


@bp.get("/planner/courses/<int:course_id>/manage")
@staff_required(*PLANNERS)
def manage(course_id: int):
    return _manage_page(_managed_course(course_id))


@bp.post("/planner/courses/<int:course_id>/sessions")
@staff_required(*PLANNERS)
def add_sessions(course_id: int):
    course = _managed_course(course_id)
    if not FlaskForm().validate_on_submit():
        return _manage_page(course, _expired(), 400)
    try:
        count = inputs.parse_count({"count": form_whole_number(request.form.get("count"))})
        outcome = services.add_sessions(current_user, course_id, count)
    except DomainError as error:
        db.session.rollback()
        return _manage_page(get_course(course_id), _errors(error, "count"), _status(error))
    db.session.commit()
    flash(
        ngettext(
            "%(num)d session was added and its hosts planned.",
            "%(num)d sessions were added and their hosts planned.",
            len(outcome.sessions),
        ),
        "success",
    )
    for problem in outcome.problems:
        flash(problem["detail"], "error")
    return redirect(url_for("lifecycle.manage", course_id=course_id))


# --- edit ----------------------------------------------------------------------------------------


def _edit_page(course: Course, values: dict, errors: dict, status: int = 200) -> Any:
    providers = [p for p in PROVIDERS if p in configured_providers()]
    if course.meeting_provider not in providers:
        providers.append(course.meeting_provider)
    return render_template(
        "lifecycle/edit.html",
        course=course,
        values=values,
        errors=errors,
        regions=region_facts(),
        providers=providers,
        form=FlaskForm(),
    ), status


@bp.route("/planner/courses/<int:course_id>/edit", methods=["GET", "POST"])
@staff_required(*PLANNERS)
def edit(course_id: int):
    course = _managed_course(course_id)
    if course.cancelled:
        flash(_("This course is cancelled, so it can no longer be changed."), "error")
        return redirect(url_for("lifecycle.manage", course_id=course_id))
    if request.method == "GET":
        return _edit_page(course, forms.edit_values(course), {})
    values = forms.form_values(request.form)
    if not FlaskForm().validate_on_submit():
        return _edit_page(course, values, _expired(), 400)
    data = forms.edit_to_input(request.form, course)
    if not data:
        flash(_("Nothing was changed."), "info")
        return redirect(url_for("lifecycle.manage", course_id=course_id))
    try:
        outcome = editing.edit_course(current_user, course_id, data)
    except DomainError as error:
        db.session.rollback()
        return _edit_page(get_course(course_id), values, _errors(error), _status(error))
    db.session.commit()
    flash(_("The course was saved."), "success")
    for problem in outcome.problems:
        flash(problem["detail"], "error")
    return redirect(url_for("lifecycle.manage", course_id=course_id))


# --- one session ---------------------------------------------------------------------------------


def _session_form(template: str, session: Any, values: Any, errors: dict, status: int = 200):
    return render_template(
        template,
        session=session,
        course=session.course,
        values=values,
        errors=errors,
        form=FlaskForm(),
        past=session.starts_at <= utcnow(),
    ), status


def _managed_session(session_id: int) -> Any:
    session = get_session(session_id)
    services.check_may_manage(current_user, session.course)
    return session


@bp.route("/planner/sessions/<int:session_id>/move", methods=["GET", "POST"])
@staff_required(*PLANNERS)
def move_session(session_id: int):
    session = _managed_session(session_id)
    template = "lifecycle/move.html"
    if request.method == "GET":
        return _session_form(template, session, {}, {})
    if not FlaskForm().validate_on_submit():
        return _session_form(template, session, request.form, _expired(), 400)
    try:
        move = inputs.parse_move(forms.move_to_input(request.form))
        services.move_session(current_user, session_id, move)
    except DomainError as error:
        db.session.rollback()
        session = get_session(session_id)
        return _session_form(
            template, session, request.form, _errors(error, "starts_at"), _status(error)
        )
    db.session.commit()
    flash(_("The session was moved. The participants and the hosts were told."), "success")
    return redirect(url_for("lifecycle.manage", course_id=session.course_id))


@bp.route("/planner/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_required(*PLANNERS)
def cancel_session(session_id: int):
    session = _managed_session(session_id)
    template = "lifecycle/cancel_session.html"
    if request.method == "GET":
        return _session_form(template, session, {}, {})
    if not FlaskForm().validate_on_submit():
        return _session_form(template, session, request.form, _expired(), 400)
    try:
        reason = inputs.parse_reason(forms.reason_to_input(request.form))
        services.cancel_session(current_user, session_id, reason)
    except DomainError as error:
        db.session.rollback()
        session = get_session(session_id)
        return _session_form(
            template, session, request.form, _errors(error, "reason"), _status(error)
        )
    db.session.commit()
    flash(_("The session was cancelled. The participants and the hosts were told."), "success")
    return redirect(url_for("lifecycle.manage", course_id=session.course_id))


# --- the whole course ----------------------------------------------------------------------------


def _course_form(template: str, course: Course, values: Any, errors: dict, status: int = 200):
    return render_template(
        template, course=course, values=values, errors=errors, form=FlaskForm()
    ), status


@bp.route("/planner/courses/<int:course_id>/cancel", methods=["GET", "POST"])
@staff_required(*PLANNERS)
def cancel_course(course_id: int):
    course = _managed_course(course_id)
    template = "lifecycle/cancel_course.html"
    if request.method == "GET":
        return _course_form(template, course, {}, {})
    if not FlaskForm().validate_on_submit():
        return _course_form(template, course, request.form, _expired(), 400)
    try:
        reason = inputs.parse_reason(forms.reason_to_input(request.form))
        services.cancel_course(current_user, course_id, reason)
    except DomainError as error:
        db.session.rollback()
        return _course_form(
            template, get_course(course_id), request.form, _errors(error, "reason"), _status(error)
        )
    db.session.commit()
    flash(_("The course was cancelled. Everyone concerned was told."), "success")
    return redirect(url_for("lifecycle.manage", course_id=course_id))


@bp.route("/planner/courses/<int:course_id>/copy", methods=["GET", "POST"])
@staff_required(*PLANNERS)
def copy_course(course_id: int):
    course = _managed_course(course_id)
    template = "lifecycle/copy.html"
    if request.method == "GET":
        return _course_form(template, course, {"sessions": str(course.session_count)}, {})
    if not FlaskForm().validate_on_submit():
        return _course_form(template, course, request.form, _expired(), 400)
    try:
        copy = services.copy_course(
            current_user, course_id, forms.copy_to_input(request.form, course)
        )
    except DomainError as error:
        db.session.rollback()
        return _course_form(
            template, get_course(course_id), request.form, _errors(error), _status(error)
        )
    db.session.commit()
    flash(_("The copy was made and its sessions planned. Check its texts and dates."), "success")
    return redirect(url_for("lifecycle.manage", course_id=copy.id))


@bp.app_template_global()
def may_manage_course(course: Course) -> bool:
    """For links to the manage page from other pages (course page, rotation)."""
    return bool(
        current_user.is_authenticated
        and getattr(current_user, "role", None) in PLANNERS
        and services.may_manage(current_user, course)
    )
