"""The lifecycle pages' forms in the API's JSON shape, so pages and API share one validation."""

from __future__ import annotations

from typing import Any

from scheduler.boundary.numbers import form_decimal, form_whole_number
from scheduler.courses.models import Course
from scheduler.i18n import iso_date
from scheduler.lifecycle.inputs import course_as_input


def _number(form: Any, name: str) -> Any:
    return form_whole_number(form.get(name))  # not a number: "Give a whole number."


def _weight(raw: str) -> Any:
    return form_decimal(raw)


def edit_values(course: Course) -> dict[str, Any]:
    """The edit form filled with the course as it is."""
    values: dict[str, Any] = {
        "title_fi": course.title_fi,
        "title_sv": course.title_sv,
        "description_fi": course.description_fi,
        "description_sv": course.description_sv,
        "languages": course.languages,
        "regions": course.region_codes,
        "cohost": "on" if course.cohost else "",
        "duration_minutes": str(course.duration_minutes),
        "capacity": "" if course.capacity is None else str(course.capacity),
        "application_deadline": iso_date(course.application_deadline) or "",
        "meeting_provider": course.meeting_provider,
        "meeting_url": course.meeting_url or "",
    }
    for code, weight in course.weights.items():
        values[f"weight_{code}"] = f"{weight:g}"
    return values


def form_values(form: Any) -> dict[str, Any]:
    """The posted edit form, kept to show it again after an error."""
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values["languages"] = form.getlist("languages")
    values["regions"] = form.getlist("regions")
    return values


def edit_to_input(form: Any, course: Course) -> dict[str, Any]:
    """The PATCH body: only the fields whose value differs from the course."""
    regions = form.getlist("regions")
    weights: dict[str, Any] = {}
    for code in regions:
        raw = form.get(f"weight_{code}", "")
        weights[code] = _weight(raw) if raw.strip() else 1.0
    provider = form.get("meeting_provider", course.meeting_provider)
    meeting: dict[str, Any] = {"provider": provider}
    if provider == "static":
        meeting["url"] = form.get("meeting_url", "").strip()
    wanted: dict[str, Any] = {
        "title": {"fi": form.get("title_fi", ""), "sv": form.get("title_sv", "")},
        "description": {
            "fi": form.get("description_fi", ""),
            "sv": form.get("description_sv", ""),
        },
        "languages": form.getlist("languages"),
        "regions": regions,
        "host_weights": weights,
        "cohost": form.get("cohost") == "on",
        "duration_minutes": _number(form, "duration_minutes"),
        "meeting": meeting,
    }
    if course.kind == "closed":
        wanted["capacity"] = _number(form, "capacity")
        wanted["application_deadline"] = form.get("application_deadline") or None
    current = course_as_input(course)
    current["host_weights"] = {code: float(w) for code, w in current["host_weights"].items()}
    return {name: value for name, value in wanted.items() if value != current.get(name)}


def copy_to_input(form: Any, course: Course) -> dict[str, Any]:
    data: dict[str, Any] = {"first_session": form.get("first_session") or None}
    if course.kind == "closed":
        data["application_deadline"] = form.get("application_deadline") or None
    count = _number(form, "sessions")
    if count is not None:
        data["sessions"] = count
    return data


def move_to_input(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"starts_at": form.get("starts_at") or None}
    minutes = _number(form, "duration_minutes")
    if minutes is not None:
        data["duration_minutes"] = minutes
    return data


def reason_to_input(form: Any) -> dict[str, Any]:
    return {"reason": {"fi": form.get("reason_fi", ""), "sv": form.get("reason_sv", "")}}
