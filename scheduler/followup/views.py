"""Pages: the anonymous feedback questionnaire, attendance marking and the summaries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload

from scheduler.accounts.auth import staff_required
from scheduler.boundary.ids import form_reference
from scheduler.courses.models import Course, CourseRegion
from scheduler.courses.services import get_course
from scheduler.errors import Conflict, Forbidden, NotFound, ValidationFailed
from scheduler.extensions import db
from scheduler.followup import services
from scheduler.followup.models import AGAIN, EXPECTATIONS, FREE_TEXT_MAX, RATINGS
from scheduler.pages import form_errors
from scheduler.web import current_language

bp = Blueprint("followup", __name__)
ANSWERED_KEY = "feedback_answered"  # open groups answered in this browser session


def _form_page(course: Course, values: Any, errors: dict[str, list[str]], **extra: Any) -> Any:
    return render_template(
        "followup/feedback_form.html",
        course=course,
        values=values,
        errors=errors,
        expectations=EXPECTATIONS,
        ratings=RATINGS,
        again_choices=AGAIN,
        free_text_max=FREE_TEXT_MAX,
        no_region=services.NO_REGION,
        **extra,
    ), (422 if errors else 200)


def _message_page(title: str, text: str, status: int) -> Any:
    return render_template("followup/message.html", title=title, text=text), status


# --- the questionnaire (public, anonymous) -----------------------------------------------------


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def invited_feedback(token: str):
    try:
        _invite, course = services.open_invite(token)
    except NotFound as error:
        return _message_page(_("The link does not work"), str(error.detail), 404)
    except Conflict:
        return _message_page(
            _("You have already answered"), _("Thank you! Your answer is saved."), 409
        )
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            services.answer_with_invite(token, request.form, current_language())
        except ValidationFailed as error:
            db.session.rollback()
            return _form_page(course, request.form, form_errors(error))
        except Conflict:  # answered in another tab a moment ago
            db.session.rollback()
            return _message_page(
                _("You have already answered"), _("Thank you! Your answer is saved."), 409
            )
        db.session.commit()
        return redirect(url_for("followup.thanks"))
    errors = (
        {"form": [_("The form had expired. Please send it again.")]} if form.is_submitted() else {}
    )
    return _form_page(course, request.form, errors)


@bp.route("/feedback/course/<int:course_id>", methods=["GET", "POST"])
def open_feedback(course_id: int):
    try:
        course = services.open_course_for_feedback(course_id)
    except NotFound as error:
        return _message_page(_("Page not found"), str(error.detail), 404)
    except Conflict as error:
        return _message_page(_("Feedback is not open yet"), str(error.detail), 409)
    answered = session.get(ANSWERED_KEY, [])
    if course.id in answered:
        return _message_page(
            _("You have already answered"), _("Thank you! Your answer is saved."), 409
        )
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            services.answer_open(course, request.form, current_language())
        except ValidationFailed as error:
            db.session.rollback()
            return _form_page(course, request.form, form_errors(error), ask_region=True)
        db.session.commit()
        session[ANSWERED_KEY] = [*answered, course.id][-50:]
        return redirect(url_for("followup.thanks"))
    errors = (
        {"form": [_("The form had expired. Please send it again.")]} if form.is_submitted() else {}
    )
    return _form_page(course, request.form, errors, ask_region=True)


@bp.get("/feedback/thanks")
def thanks():
    return _message_page(
        _("Thank you for your answer"),
        _("Your answer is saved. We use the answers to make the groups better."),
        200,
    )


# --- staff: attendance and summaries ---------------------------------------------------------


def _participating(course: Course) -> bool:
    return current_user.is_admin or current_user.region_code in course.region_codes


@bp.get("/planner/followup")
@staff_required()
def index():
    """Courses of my region (all for an administrator) with their follow-up pages."""
    query = db.select(Course).options(selectinload(Course.participations))
    if not current_user.is_admin:
        query = query.where(
            Course.id.in_(
                db.select(CourseRegion.course_id).where(
                    CourseRegion.region_code == current_user.region_code
                )
            )
        )
    courses = list(db.session.scalars(query.order_by(Course.first_session, Course.id)))
    return render_template("followup/index.html", courses=courses)


@bp.get("/planner/courses/<int:course_id>/attendance")
@staff_required()
def course_attendance(course_id: int):
    course = get_course(course_id)
    if not _participating(course):
        raise Forbidden(_("Only the staff of the course's regions can see this."))
    counts = services.course_counts(course)
    markable = {s.id for s in course.sessions if services.may_mark(current_user, s)}
    return render_template(
        "followup/course_attendance.html", course=course, counts=counts, markable=markable
    )


@bp.route("/planner/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@staff_required()
def mark_attendance(session_id: int):
    course_session = services.get_session(session_id)
    services.check_may_mark(current_user, course_session)
    form = FlaskForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            chosen = (form_reference(v) for v in request.form.getlist("present"))
            present = sorted({number for number in chosen if number is not None})
            services.record_attendance(current_user, session_id, present)
        except ValidationFailed as error:
            db.session.rollback()
            errors = form_errors(error)
        except Conflict as error:
            db.session.rollback()
            errors = {"present": [str(error.detail)]}
        else:
            db.session.commit()
            flash(_("Attendance is saved."), "success")
            return redirect(
                url_for("followup.course_attendance", course_id=course_session.course_id)
            )
    elif form.is_submitted():
        errors = {"form": [_("The form had expired. Please send it again.")]}
    rows = services.sheet(course_session)
    if errors:  # show what was ticked, not what is saved
        ticked = set(request.form.getlist("present"))
        checked = {row.application.id for row in rows if str(row.application.id) in ticked}
    else:
        checked = {row.application.id for row in rows if row.present}
    services.record_viewing(current_user, course_session)
    db.session.commit()
    return render_template(
        "followup/mark_attendance.html",
        course=course_session.course,
        course_session=course_session,
        rows=rows,
        checked=checked,
        errors=errors,
    ), (422 if errors else 200)


@bp.get("/planner/courses/<int:course_id>/feedback")
@staff_required("admin", "planner")
def feedback_summary(course_id: int):
    course = get_course(course_id)
    services.check_may_read_reports(current_user, course)
    summary = services.feedback_summary(course)
    return render_template(
        "followup/feedback_summary.html",
        course=course,
        summary=summary,
        expectations=EXPECTATIONS,
        ratings=RATINGS,
        again_choices=AGAIN,
        minimum=services.MIN_ANSWERS,
    )
