"""Client pages: the application form, the applicant's personal page (`/my/<token>`), its
printable card (`/my/<token>/card`) and the short links of text messages (`/m/<code>`,
`/j/<code>`).

The staff selection pages live in staff_views.py on the same blueprint.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
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

from scheduler.enrolment import (
    services,
    staff_views,  # noqa: F401  (its routes are on bp)
)
from scheduler.enrolment.blueprint import bp
from scheduler.enrolment.card import card_of
from scheduler.enrolment.mail import next_session
from scheduler.enrolment.models import ACTIVE_STATUSES, APPLICANT, Application
from scheduler.enrolment.privacy import personal_data
from scheduler.enrolment.reach import contacts_of
from scheduler.enrolment.tokens import find_by_short_code, find_by_token, personal_token
from scheduler.enrolment.wording import STATUS_EXPLAINED, STATUS_WORDS
from scheduler.errors import Conflict, ValidationFailed
from scheduler.extensions import db
from scheduler.i18n import LANGUAGE_COOKIE, LANGUAGES
from scheduler.notify.sms_providers import sms_in_use
from scheduler.web import current_language


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


# The support person's fields on the form, and the names of their problems in the API.
SUPPORT_FIELDS = {
    "support_name": "name",
    "support_relation": "relation",
    "support_email": "email",
    "support_phone": "phone",
    "support_contact": "contact",
}
FORM_FIELD_OF_ERROR = {f"support_person.{key}": field for field, key in SUPPORT_FIELDS.items()}
FORM_FIELD_OF_ERROR["support_person"] = "support_name"


def _form_to_input(form: Any) -> dict[str, Any]:
    """The form in the API's JSON shape, so both share one validation."""
    support = {key: form.get(field, "").strip() for field, key in SUPPORT_FIELDS.items()}
    named = any(value for key, value in support.items() if key != "contact")
    return {
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "phone": form.get("phone", ""),
        "contact": form.get("contact") or None,
        "region": form.get("region"),
        "language": form.get("language"),
        "needs": form.get("needs", ""),
        "message": form.get("message", ""),
        # Naming a support person on the form means they help with the application.
        "on_behalf": named,
        "support_person": support if named else None,
        "messages_to": form.get("messages_to") or APPLICANT,
        "consent": form.get("consent") == "yes",
    }


def _form_errors(error: ValidationFailed) -> dict[str, list[str]]:
    """The problems keyed by the form's field ids."""
    errors: dict[str, list[str]] = {}
    for field, messages in error.errors.items():
        errors.setdefault(FORM_FIELD_OF_ERROR.get(field, field), []).extend(
            str(message) for message in messages
        )
    return errors


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
            errors = _form_errors(error)
            status = 422
        except Conflict as error:
            db.session.rollback()
            conflict, status = str(error.detail), 409
        else:
            db.session.commit()
            # The personal link goes only to whoever gets the messages (never into this
            # answer), and the answer is the same whether or not they had applied before.
            contact = _how_we_answer(submission.application)
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
        sms_available=sms_in_use(current_app.config),
    ), status


def _how_we_answer(application: Application) -> str:
    """How the applicant hears from us: "email", "sms", both ("email_sms") or "phone"."""
    channels = {contact.channel for contact in contacts_of(application)}
    if channels == {"email", "sms"}:
        return "email_sms"
    return channels.pop() if channels else "phone"


@bp.get("/courses/<int:course_id>/apply/sent")
def apply_sent(course_id: int):
    """After applying: check your email or phone (or, with no way to write, wait for a call)."""
    course = services.get_course(course_id)
    how = request.args.get("contact")
    page = render_template(
        "enrolment/sent.html",
        course=course,
        by_phone=how == "phone",
        by_email=how in ("email", "email_sms", None),
        by_sms=how in ("sms", "email_sms"),
    )
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


@bp.get("/my/<token>/card")
def card(token: str):
    """A printable A4 card: sessions, the join link as a QR code, dial-in, whom to call."""
    application = _applicant(token)
    if application.status != "accepted":
        flash(_("The card is for participants. You can print it when you have a place."), "error")
        return _private(redirect(url_for("enrolment.personal", token=token), code=303))
    page = render_template(
        "enrolment/card.html",
        card=card_of(application),
        token=token,
        join_window=current_app.config["JOIN_WINDOW_MINUTES"],
    )
    return _private(make_response(page))


# --- short links in text messages -------------------------------------------------------


def _short(code: str, endpoint: str) -> Response:
    """Send the holder of a short link on to the long personal link's page."""
    application = find_by_short_code(code)
    if application is None:
        abort(_private(make_response(render_template("enrolment/unknown_link.html"), 404)))
    target = url_for(endpoint, token=personal_token(application))
    response = _private(redirect(target, code=302))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/m/<code>")
def short_personal(code: str):
    """The short link of the personal page (/my/<token>)."""
    return _short(code, "enrolment.personal")


@bp.get("/j/<code>")
def short_join(code: str):
    """The short link of the participant's join page (/join/p/<token>)."""
    return _short(code, "meetings.join_participant")


@bp.get("/my/<token>/data.json")
def download(token: str):
    application = _applicant(token)
    body = json.dumps(personal_data(application), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-application-{application.id}.json"'
    )
    return _private(response)
