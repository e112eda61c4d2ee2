"""Staff pages: my sessions (hosting duties with materials and join links), the participant
export, and the change log. The planner's desk itself is /planner (courses.dashboard), which
renders desk/dashboard.html from scheduler.desk.services.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user

from scheduler.accounts.auth import staff_required
from scheduler.boundary.numbers import whole_number
from scheduler.content.services import upcoming_with_materials
from scheduler.courses.services import get_course
from scheduler.dbtypes import utcnow
from scheduler.desk import audit_log, exports
from scheduler.errors import ValidationFailed
from scheduler.extensions import db
from scheduler.pages import form_errors
from scheduler.regions.data import region_facts

bp = Blueprint("desk", __name__)
MY_WEEKS = 4
MAX_WEEKS = 12


def chosen_region() -> str | None:
    """The user's region; an administrator may look at any region (?region=)."""
    if current_user.is_admin:
        wanted = request.args.get("region")
        return wanted if wanted in {fact.code for fact in region_facts()} else None
    return current_user.region_code


@bp.get("/planner/my-sessions")
@staff_required()
def my_sessions():
    """The region's hosting and co-hosting duties in the coming weeks, ready to run."""
    chosen = whole_number(request.args.get("weeks"))
    weeks = chosen if chosen is not None and 1 <= chosen <= MAX_WEEKS else MY_WEEKS
    region = chosen_region()
    now = utcnow()
    rows = (
        upcoming_with_materials(current_user, region, now, now + timedelta(weeks=weeks))
        if region
        else []
    )
    return render_template(
        "desk/my_sessions.html",
        rows=rows,
        weeks=weeks,
        max_weeks=MAX_WEEKS,
        region=region,
        regions=region_facts(),
        now=now,
    )


@bp.get("/planner/courses/<int:course_id>/participants.csv")
@staff_required("admin", "planner")
def export_participants(course_id: int):
    course = get_course(course_id)
    text = exports.participants_csv(current_user, course)
    db.session.commit()  # the download is logged
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="course-{course.id}-participants.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/planner/audit", endpoint="audit_log")
@staff_required("admin", "planner")
def audit_log_page():
    errors: dict[str, list[str]] = {}
    try:
        # An empty field of the filter form means no filter.
        filters = audit_log.parse_filters({k: v for k, v in request.args.items() if v.strip()})
    except ValidationFailed as error:
        errors = form_errors(error)
        filters = audit_log.LogFilters()
    page = audit_log.read_log(current_user, filters)
    older_url = None
    if page.next_before is not None:
        args = {k: v for k, v in request.args.items() if k != "before" and v}
        older_url = url_for("desk.audit_log", **args, before=page.next_before)
    return render_template(
        "desk/audit_log.html",
        page=page,
        older_url=older_url,
        values=request.args,
        errors=errors,
        scope=None if current_user.is_admin else current_user.region_code,
    ), (422 if errors else 200)
