"""Reading lifecycle requests: course edits (through the course-creation rules), moves,
reasons, counts and copies. Every problem is collected and raised as one ValidationFailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from scheduler.api import inputs
from scheduler.courses.models import Course
from scheduler.courses.services import CourseInput, parse_course_input
from scheduler.errors import FieldErrors, ValidationFailed
from scheduler.i18n import LANGUAGES, LocalizedText, iso_date, iso_local

REASON_MAX = 500
# Fields of POST /courses that PATCH may change, and those fixed once a course exists.
EDITABLE = (
    "title",
    "description",
    "languages",
    "regions",
    "host_weights",
    "cohost",
    "duration_minutes",
    "capacity",
    "application_deadline",
    "meeting",
)
FIXED = {
    "kind": _l("The type of a course cannot be changed. Copy the course instead."),
    "first_session": _l("Move single sessions instead, or copy the course to a new date."),
    "sessions": _l("Add sessions at the end instead."),
}
# Stands in for the stored meeting when an edit does not change it (see parse_course_patch).
STAND_IN_URL = "https://meeting.invalid/kept"


def course_as_input(course: Course) -> dict[str, Any]:
    """The course in the shape of POST /courses, to check an edit or a copy by its rules."""
    meeting: dict[str, Any] = {"provider": course.meeting_provider}
    if course.meeting_provider == "static":
        meeting["url"] = course.meeting_url
    return {
        "kind": course.kind,
        "title": course.title.as_dict(),
        "description": course.description.as_dict(),
        "languages": course.languages,
        "regions": course.region_codes,
        "host_weights": course.weights,
        "cohost": course.cohost,
        "first_session": iso_local(course.first_session),
        "duration_minutes": course.duration_minutes,
        "sessions": min(max(course.session_count, 1), 200),
        "capacity": course.capacity,
        "application_deadline": iso_date(course.application_deadline),
        "meeting": meeting,
    }


@dataclass(frozen=True)
class CoursePatch:
    """The edit: `fields` names what was sent, `values` is the whole course after it."""

    fields: frozenset[str]
    values: CourseInput

    def changes(self, name: str) -> bool:
        return name in self.fields


def _merge_text(old: dict[str, str], new: Any) -> Any:
    """A bilingual text in an edit keeps the language it does not mention."""
    if isinstance(new, dict) and not set(new) - set(LANGUAGES):
        return {**old, **new}
    return new


def parse_course_patch(course: Course, data: dict[str, Any]) -> CoursePatch:
    """Check an edit by the course-creation rules applied to the course as it would become."""
    errors = FieldErrors()
    for name in data:
        if name in FIXED:
            if not (name == "kind" and data[name] == course.kind):
                errors.add(name, FIXED[name])
        elif name not in EDITABLE:
            errors.add(str(name)[:40], _l("This field cannot be changed here."))
    if not any(name in EDITABLE for name in data) and not errors:
        raise ValidationFailed(
            _l("Nothing to change. Give at least one field of the course."),
        )
    merged = course_as_input(course)
    merged["sessions"] = 1  # not edited; any valid count
    if "meeting" not in data:
        # The stored meeting stays as it is, even if its provider is no longer configured.
        merged["meeting"] = {"provider": "static", "url": STAND_IN_URL}
    for name in EDITABLE:
        if name in data:
            merged[name] = data[name]
    for name in ("title", "description"):
        if name in data:
            merged[name] = _merge_text(course_as_input(course)[name], data[name])
    if "regions" in data and "host_weights" not in data and isinstance(data["regions"], list):
        merged["host_weights"] = {
            code: weight for code, weight in course.weights.items() if code in data["regions"]
        }
    if course.kind == "open":
        for name in ("capacity", "application_deadline"):
            if data.get(name) is not None:
                errors.add(name, _l("An open group has no places and no application time."))
    values = None
    try:
        values = parse_course_input(merged, new_course=False)
    except ValidationFailed as error:
        for name, messages in error.errors.items():
            for message in messages:
                errors.add(name, message)
    errors.raise_if_any(_l("Check the highlighted fields."))
    assert values is not None
    if "meeting" not in data:
        values.meeting_provider, values.meeting_url = course.meeting_provider, course.meeting_url
    return CoursePatch(fields=frozenset(n for n in data if n in EDITABLE), values=values)


def parse_reason(data: dict[str, Any]) -> LocalizedText:
    """{"reason": {"fi": …, "sv": …}}: at least one language."""
    errors = FieldErrors()
    inputs.only_fields(data, ("reason",), errors)
    reason = inputs.bilingual(
        data.get("reason"), "reason", errors, required=True, max_length=REASON_MAX
    )
    errors.raise_if_any(_l("Check the highlighted fields."))
    return reason


@dataclass(frozen=True)
class MoveInput:
    starts_at: datetime
    duration_minutes: int | None = None


def parse_move(data: dict[str, Any]) -> MoveInput:
    """{"starts_at": local date-time, "duration_minutes"?: 15–480}, nothing else."""
    errors = FieldErrors()
    others = sorted(set(data) - {"starts_at", "duration_minutes"})
    if others:
        errors.add(
            "starts_at",
            _l("Move a session on its own, without changing its hosts or status at the same time."),
        )
    starts_at = None
    if data.get("starts_at") is None:
        errors.add("starts_at", _l("Required."))
    else:
        starts_at = inputs.local_datetime(data["starts_at"], "starts_at", errors)
    duration = None
    if data.get("duration_minutes") is not None:
        duration = inputs.integer(
            data["duration_minutes"], "duration_minutes", errors, minimum=15, maximum=480
        )
    errors.raise_if_any(_l("Check the highlighted fields."))
    assert starts_at is not None
    return MoveInput(starts_at=starts_at, duration_minutes=duration)


def parse_count(data: dict[str, Any]) -> int:
    errors = FieldErrors()
    inputs.only_fields(data, ("count",), errors)
    if data.get("count") is None:
        errors.add("count", _l("Required."))
    count = inputs.integer(data.get("count"), "count", errors, minimum=1, maximum=100)
    errors.raise_if_any(_l("Check the highlighted fields."))
    assert count is not None
    return count


def parse_copy(data: dict[str, Any]) -> dict[str, Any]:
    """The copy's own fields, checked first for shape; the rest follows the creation rules."""
    errors = FieldErrors()
    allowed = {"first_session", "application_deadline", "sessions", "title"}
    for name in sorted(set(data) - allowed):
        errors.add(str(name)[:40], _l("This field cannot be given for a copy."))
    if data.get("first_session") is None:
        errors.add("first_session", _l("Required."))
    errors.raise_if_any(_l("Check the highlighted fields."))
    return {name: data[name] for name in allowed if name in data}


def copy_payload(course: Course, data: dict[str, Any]) -> dict[str, Any]:
    """The new course in the shape of POST /courses: the old one with the copy's dates."""
    payload = course_as_input(course)
    payload["first_session"] = data["first_session"]
    payload["application_deadline"] = data.get("application_deadline")
    payload["sessions"] = data.get("sessions", payload["sessions"])
    if "title" in data:
        payload["title"] = _merge_text(payload["title"], data["title"])
    return payload
