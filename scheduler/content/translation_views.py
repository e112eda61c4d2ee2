"""Translation pages: open requests, what the network lacks in Finnish or Swedish, asking
for a translation, and the small form that fills a course's missing texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from scheduler.accounts.auth import signed_in_user, staff_required
from scheduler.content import translations
from scheduler.content.blueprint import bp
from scheduler.errors import DomainError, NotFound
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.pages import back_to, form_errors


@bp.get("/translations")
@staff_required()
def requests_page():
    user = signed_in_user()
    return render_template(
        "content/translations.html",
        incoming=translations.requests_to(user),
        outgoing=translations.requests_from(user),
        can_fill=translations.can_fill_course_texts,
    )


@bp.get("/translations/missing")
@staff_required()
def missing():
    user = signed_in_user()
    return render_template(
        "content/missing.html",
        gaps=translations.missing_translations(user),
        can_fill=translations.can_fill_course_texts,
    )


def _ask(create: Callable[..., Any], subject_id: int, default: str) -> Any:
    language = request.form.get("language")
    try:
        if language not in LANGUAGES:
            flash(_("Choose Finnish or Swedish."), "error")
        else:
            create(signed_in_user(), subject_id, language)
            db.session.commit()
            flash(_("Your request was sent. The owner region sees it in its list."), "success")
    except NotFound:
        raise  # unknown, or a material the user cannot see: 404 like every other verb
    except DomainError as error:
        db.session.rollback()
        flash(str(error.detail), "error")
    return redirect(back_to(default))


@bp.post("/materials/<int:material_id>/translation-requests")
@staff_required()
def ask_material(material_id: int):
    return _ask(
        translations.request_material_translation,
        material_id,
        url_for("content.material", material_id=material_id),
    )


@bp.post("/courses/<int:course_id>/translation-requests")
@staff_required()
def ask_course(course_id: int):
    return _ask(
        translations.request_course_translation,
        course_id,
        url_for("content.missing"),
    )


@bp.route("/courses/<int:course_id>/texts", methods=["GET", "POST"])
@staff_required("admin", "planner")
def course_texts(course_id: int):
    """Fill a course's missing title or description in Finnish or Swedish."""
    user = signed_in_user()
    course = translations.get_course_for_texts(user, course_id)
    gaps = translations.text_gaps(course)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            completed = translations.fill_course_texts(user, course, request.form.to_dict())
        except DomainError as error:
            db.session.rollback()
            errors, status = form_errors(error), error.status
        else:
            db.session.commit()
            if completed:
                flash(_("Thank you. The course's texts are now complete."), "success")
            else:
                flash(_("The texts were saved."), "success")
            return redirect(back_to(url_for("content.missing")))
    return render_template(
        "content/course_texts.html",
        course=course,
        gaps=gaps,
        values=request.form,
        errors=errors,
        asked=translations.open_languages(course_id=course.id),
    ), status
