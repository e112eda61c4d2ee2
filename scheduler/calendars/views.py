"""Calendar feeds (placeholder until the calendar work lands)."""

from flask import Blueprint, abort

bp = Blueprint("calendars", __name__)


@bp.get("/calendar/courses/<int:course_id>.ics")
def course_feed(course_id: int):
    abort(404)
