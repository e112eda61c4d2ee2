"""Client pages: the application form and the applicant's personal page (`/my/<token>`).

The staff selection pages live in staff_views.py on the same blueprint.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_time, get_locale, refresh
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from scheduler.enrolment import services
from scheduler.enrolment.mail import next_session
from scheduler.enrolment.models import ACTIVE_STATUSES, Application
from scheduler.enrolment.tokens import find_by_token
from scheduler.enrolment.wording import STATUS_EXPLAINED, STATUS_WORDS
from scheduler.errors import Conflict, ValidationFailed
from scheduler.extensions import db
from scheduler.i18n import LANGUAGE_COOKIE, LANGUAGES
from scheduler.web import current_language

bp = Blueprint("enrolment", __name__)


@bp.app_template_global("applications_open")
def applications_open(course: Any) -> bool:
    return services.applications_open(course)


@bp.app_template_filter("local_date")
def local_date(day: Any, width: str = "long") -> str:
    """A calendar date (not a moment) in the page's language."""
    return format_date(day, width) if day is not None else ""


@bp.app_template_filter("clock")
def clock(moment: Any) -> str:
    """Local time of day in the active locale (emails may differ from the page's language)."""
    locale = get_locale()
    pattern = "HH.mm" if locale is None or locale.language == "fi" else "HH:mm"
    return format_time(moment, pattern)


# --- the application form ----------------------------------------------------------------


def _form_to_input(form: Any) -> dict[str, Any]:
    """The form in the API's JSON shape, so both share one validation."""
    return {
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "phone": form.get("phone", ""),
        "region": form.get("region"),
        "language": form.get("language"),
        "needs": form.get("needs", ""),
        "message": form.get("message", ""),
        "on_behalf": form.get("on_behalf") == "yes",
        "consent": form.get("consent") == "yes",
    }


@bp.route("/courses/<int:course_id>/apply", methods=["GET", "POST"])
def apply(course_id: int):
    course = services.get_course(course_id)
    if not services.applications_open(course):
        status = 409 if request.method == "POST" else 200
        return render_template("enrolment/closed.html", course=course), status
    form = FlaskForm()
    errors: dict[str, list[str]] = {}
    conflict = ""
    values: Any = request.form
    status = 200
    if form.validate_on_submit():
        try:
            submission = services.submit(
                course.id,
                _form_to_input(request.form),
                address=request.remote_addr,
                store_duplicate=False,
            )
        except ValidationFailed as error:
            db.session.rollback()
            errors = {field: [str(m) for m in messages] for field, messages in error.errors.items()}
            status = 422
        except Conflict as error:
            db.session.rollback()
            conflict, status = str(error.detail), 409
        else:
            db.session.commit()
            # The personal link goes only to the email address (never into this answer),
            # and the answer is the same whether or not the address had applied before.
            contact = "email" if submission.application.email else "phone"
            language = request.args.get("lang") if request.args.get("lang") in LANGUAGES else None
            target = url_for(
                "enrolment.apply_sent", course_id=course.id, contact=contact, lang=language
            )
            return redirect(target, code=303)
    elif form.is_submitted():
        errors = {"form": [_("The form had expired. Please send it again.")]}
        status = 400
    if not values:
        values = {"language": current_language()}
    return render_template(
        "enrolment/apply.html",
        course=course,
        errors=errors,
        conflict=conflict,
        values=values,
    ), status


@bp.get("/courses/<int:course_id>/apply/sent")
def apply_sent(course_id: int):
    """After applying: check your email (or, with a phone number only, wait for a call)."""
    course = services.get_course(course_id)
    by_phone = request.args.get("contact") == "phone"
    page = render_template("enrolment/sent.html", course=course, by_phone=by_phone)
    return _private(make_response(page))


# --- the personal page ---------------------------------------------------------------------


def _private(response: Response) -> Response:
    """Personal pages: never cached or indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _applicant(token: str) -> Application:
    application = find_by_token(token)
    if application is None:
        abort(_private(make_response(render_template("enrolment/unknown_link.html"), 404)))
    _speak_applicants_language(application)
    return application


def _speak_applicants_language(application: Application) -> None:
    """Without an explicit choice (link or cookie), use the language the applicant chose."""
    if request.args.get("lang") in LANGUAGES or request.cookies.get(LANGUAGE_COOKIE) in LANGUAGES:
        return
    if application.language in LANGUAGES:
        g.language = application.language
        refresh()


@bp.get("/my/<token>")
def personal(token: str):
    application = _applicant(token)
    course = application.course
    page = render_template(
        "enrolment/personal.html",
        application=application,
        course=course,
        token=token,
        status_word=STATUS_WORDS[application.status],
        status_explained=STATUS_EXPLAINED[application.status],
        next_session=next_session(course.id),
        can_withdraw=application.status in ACTIVE_STATUSES,
    )
    return _private(make_response(page))


@bp.route("/my/<token>/withdraw", methods=["GET", "POST"])
def withdraw(token: str):
    application = _applicant(token)
    if application.status not in ACTIVE_STATUSES:
        return redirect(url_for("enrolment.personal", token=token), code=303)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            services.withdraw_by_token(token)
        except Conflict as error:
            db.session.rollback()
            flash(str(error.detail), "error")
        else:
            db.session.commit()
            flash(_("Your application is now cancelled."), "success")
        return redirect(url_for("enrolment.personal", token=token), code=303)
    page = render_template(
        "enrolment/withdraw.html", application=application, course=application.course, token=token
    )
    return _private(make_response(page, 400 if form.is_submitted() else 200))


@bp.get("/my/<token>/data.json")
def download(token: str):
    from scheduler.enrolment.privacy import personal_data

    application = _applicant(token)
    body = json.dumps(personal_data(application), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-application-{application.id}.json"'
    )
    return _private(response)


from scheduler.enrolment import staff_views  # noqa: E402,F401  (adds the staff routes to bp)
