"""Imports every model so Alembic and create_all see the whole schema."""

import importlib

from scheduler.accounts.models import ApiToken, User
from scheduler.audit import AuditEntry
from scheduler.changes import ChangeCounter
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.hosting.models import Closure, SwapRequest
from scheduler.notify.models import OutboxMessage
from scheduler.regions.models import Region

# Domain packages that add their own tables.
for _package in ("enrolment", "meetings", "calendars", "content", "followup"):
    try:
        importlib.import_module(f"scheduler.{_package}.models")
    except ModuleNotFoundError as _error:
        if _error.name != f"scheduler.{_package}.models":
            raise

__all__ = [
    "ApiToken",
    "AuditEntry",
    "ChangeCounter",
    "Closure",
    "Course",
    "CourseRegion",
    "OutboxMessage",
    "Region",
    "Session",
    "SwapRequest",
    "User",
]
