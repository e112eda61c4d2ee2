"""Join pages (placeholder until the enrolment work lands)."""

from flask import Blueprint, redirect, url_for

bp = Blueprint("enrolment", __name__)


@bp.get("/join/<int:course_id>")
def join_open(course_id: int):
    return redirect(url_for("courses.detail", course_id=course_id))
