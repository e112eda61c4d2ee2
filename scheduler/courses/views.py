"""Course pages: public catalogue and course page, planner dashboard and the new-course form."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from scheduler.accounts.auth import staff_required
from scheduler.boundary.numbers import form_decimal, form_whole_number
from scheduler.courses import catalogue as catalogue_rules
from scheduler.courses import services
from scheduler.courses.models import Course
from scheduler.dbtypes import utcnow
from scheduler.desk.services import desk_for
from scheduler.desk.views import chosen_region as desk_region
from scheduler.errors import Forbidden, ValidationFailed
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from scheduler.meetings.window import join_situation
from scheduler.pagecache import cached_fragment, public_page
from scheduler.pages import form_errors
from scheduler.regions.data import region_facts

bp = Blueprint("courses", __name__)


@bp.get("/courses")
def catalogue():
    """Courses with coming sessions: filters, search words in either language, pages."""
    now = utcnow()
    filters = catalogue_rules.parse_filters(
        request.args.get("region"),
        request.args.get("language"),
        request.args.get("kind"),
        request.args.get("q"),
        {fact.code for fact in region_facts()},
    )
    page = request.args.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() and len(page) < 6 else 1

    def render() -> tuple[str, datetime | None]:
        found = catalogue_rules.catalogue_page(filters, number, now)
        html = render_template(
            "courses/catalogue.html",
            found=found,
            filters=filters,
            regions=region_facts(),
            page_url=_page_url,
        )
        window = timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"])
        return html, catalogue_rules.listing(now).page_changes_at(now, window)

    return public_page("catalogue", render)


def _page_url(number: int) -> str:
    """This catalogue query on another page."""
    args = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}
    if number > 1:
        args["page"] = str(number)
    return url_for("courses.catalogue", **args)


@bp.get("/courses/<int:course_id>")
def detail(course_id: int):
    now = utcnow()
    window = timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"])

    def render() -> tuple[str, datetime | None]:
        course = services.get_course(course_id)
        situation = join_situation(course.sessions, now, window)
        html = render_template(
            "courses/detail.html",
            course=course,
            now=now,
            current_session=situation.open_session or situation.next_session,
        )
        return html, _next_change(course, now, window)

    return public_page(f"course:{course_id}", render)


def _next_change(course: Course, now: datetime, window: timedelta) -> datetime | None:
    """When time alone changes the course page: a join window opens, a session starts or
    ends, applications close."""
    moments = [
        m
        for s in course.sessions
        for m in (s.starts_at - window, s.starts_at, s.ends_at)
        if m > now
    ]
    if course.application_deadline is not None:
        closes = datetime.combine(
            course.application_deadline + timedelta(days=1), time(0), tzinfo=HELSINKI
        )
        if closes > now:
            moments.append(closes)
    return min(moments, default=None)


@bp.get("/planner")
@staff_required()
def dashboard():
    """The desk: what waits for my region. Facilitators land on their own sessions."""
    if current_user.role == "facilitator":
        return redirect(url_for("desk.my_sessions"))
    region = desk_region()
    body = cached_fragment(
        "desk",
        (region,),
        lambda: render_template("desk/_desk.html", desk=desk_for(region), region=region),
        any_change=True,
    )
    return render_template("desk/dashboard.html", body=body, region=region, regions=region_facts())


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
