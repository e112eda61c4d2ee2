"""Who may read the follow-up figures of a course (counts and summaries, never names)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from scheduler.accounts.models import User
from scheduler.courses.models import Course
from scheduler.errors import Forbidden


def check_may_read_reports(user: User, course: Course) -> None:
    """Planners of a participating region, and administrators."""
    if user.is_admin:
        return
    if user.role != "planner" or user.region_code not in course.region_codes:
        raise Forbidden(_l("Only planners of the course's regions can see this."))
