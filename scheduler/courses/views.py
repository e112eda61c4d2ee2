"""Course pages: public catalogue and course page, planner dashboard and the new-course form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from scheduler.accounts.auth import staff_required
from scheduler.boundary.numbers import form_decimal, form_whole_number
from scheduler.courses import services
from scheduler.dbtypes import utcnow
from scheduler.desk.services import desk_for
from scheduler.desk.views import chosen_region as desk_region
from scheduler.errors import Forbidden, ValidationFailed
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.meetings.window import join_situation
from scheduler.pages import form_errors
from scheduler.regions.data import region_facts

bp = Blueprint("courses", __name__)


@bp.get("/courses")
def catalogue():
    filters = {
        "region": request.args.get("region") or None,
        "language": request.args.get("language") or None,
        "kind": request.args.get("kind") or None,
    }
    if filters["region"] not in {f.code for f in region_facts()}:
        filters["region"] = None
    if filters["language"] not in LANGUAGES:
        filters["language"] = None
    if filters["kind"] not in ("open", "closed"):
        filters["kind"] = None
    courses = services.find_courses(**filters)
    upcoming = services.next_sessions([c.id for c in courses], utcnow())
    return render_template(
        "courses/catalogue.html",
        courses=courses,
        upcoming=upcoming,
        filters=filters,
        regions=region_facts(),
    )


@bp.get("/courses/<int:course_id>")
def detail(course_id: int):
    course = services.get_course(course_id)
    now = utcnow()
    window = timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"])
    situation = join_situation(course.sessions, now, window)
    return render_template(
        "courses/detail.html",
        course=course,
        now=now,
        current_session=situation.open_session or situation.next_session,
    )


@bp.get("/planner")
@staff_required()
def dashboard():
    """The desk: what waits for my region. Facilitators land on their own sessions."""
    if current_user.role == "facilitator":
        return redirect(url_for("desk.my_sessions"))
    region = desk_region()
    return render_template(
        "desk/dashboard.html",
        desk=desk_for(region),
        region=region,
        regions=region_facts(),
    )


def _form_to_input(form: Any) -> dict[str, Any]:
    """Turn the posted form into the API's JSON shape so both share one validation."""

    def number(name: str) -> Any:
        return form_whole_number(form.get(name))

    kind = form.get("kind")
    regions = form.getlist("regions")
    weights: dict[str, Any] = {}
    for code in regions:
        weight = form_decimal(form.get(f"weight_{code}"))
        if weight is not None:
            weights[code] = weight
    provider = form.get("meeting_provider", "static")
    meeting: dict[str, Any] = {"provider": provider}
    if provider == "static":
        meeting["url"] = form.get("meeting_url", "").strip()
    return {
        "kind": kind,
        "title": {"fi": form.get("title_fi", ""), "sv": form.get("title_sv", "")},
        "description": {
            "fi": form.get("description_fi", ""),
            "sv": form.get("description_sv", ""),
        },
        "languages": form.getlist("languages"),
        "regions": regions,
        "host_weights": weights or None,
        "cohost": form.get("cohost") == "on",
        "first_session": form.get("first_session") or None,
        "duration_minutes": number("duration_minutes"),
        "sessions": number("sessions"),
        "capacity": number("capacity") if kind == "closed" else None,
        "application_deadline": (form.get("application_deadline") or None)
        if kind == "closed"
        else None,
        "meeting": meeting,
    }


@bp.route("/planner/courses/new", methods=["GET", "POST"])
@staff_required("admin", "planner")
def new_course():
    form = FlaskForm()
    errors: dict[str, list[str]] = {}
    values = request.form
    if form.validate_on_submit():
        try:
            data = services.parse_course_input(_form_to_input(request.form))
            course = services.create_course(current_user, data)
        except ValidationFailed as error:
            db.session.rollback()
            errors = form_errors(error)
        except Forbidden as error:
            db.session.rollback()
            errors = {"regions": [str(error.detail)]}
        else:
            db.session.commit()
            flash(_("The course was created and its sessions planned."), "success")
            return redirect(url_for("courses.detail", course_id=course.id))
    elif form.is_submitted():
        errors = {"form": [_("The form had expired. Please send it again.")]}
    providers = services.configured_providers()
    status = 422 if errors else 200
    return render_template(
        "courses/new.html",
        form=form,
        errors=errors,
        values=values,
        regions=region_facts(),
        providers=[p for p in services.PROVIDERS if p in providers],
        default_region=current_user.region_code,
    ), status
