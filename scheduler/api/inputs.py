"""Parsing JSON input into plain values, collecting clear per-field messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from scheduler.errors import FieldErrors, ValidationFailed
from scheduler.i18n import HELSINKI, LANGUAGES, LocalizedText


def json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed(_l("Send a JSON object with Content-Type application/json."))
    return data


def bilingual(
    value: Any, field: str, errors: FieldErrors, *, required: bool, max_length: int
) -> LocalizedText:
    if value is None:
        if required:
            errors.add(field, _l("Required."))
        return LocalizedText()
    if not isinstance(value, dict) or set(value) - set(LANGUAGES):
        errors.add(field, _l('Give an object like {"fi": "…", "sv": "…"}.'))
        return LocalizedText()
    texts = {}
    for language in LANGUAGES:
        text = value.get(language, "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            errors.add(field, _l("Each language must be text."))
            return LocalizedText()
        if len(text) > max_length:
            errors.add(field, _l("At most %(count)d characters.", count=max_length))
        texts[language] = text.strip()
    result = LocalizedText(**texts)
    if required and not (result.fi or result.sv):
        errors.add(field, _l("At least one language must be filled in."))
    return result


def local_datetime(value: Any, field: str, errors: FieldErrors) -> datetime | None:
    """ISO 8601; a value without an offset is Europe/Helsinki local time."""
    if not isinstance(value, str):
        errors.add(field, _l("Give a date and time like 2027-01-12T10:00."))
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.add(field, _l("Give a date and time like 2027-01-12T10:00."))
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HELSINKI)
    return moment


def iso_date(value: Any, field: str, errors: FieldErrors) -> date | None:
    if not isinstance(value, str):
        errors.add(field, _l("Give a date like 2027-01-12."))
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.add(field, _l("Give a date like 2027-01-12."))
        return None


def integer(
    value: Any, field: str, errors: FieldErrors, *, minimum: int, maximum: int | None = None
) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _l("Give a whole number."))
        return None
    if value < minimum or (maximum is not None and value > maximum):
        if maximum is None:
            errors.add(field, _l("At least %(minimum)d.", minimum=minimum))
        else:
            errors.add(
                field, _l("From %(minimum)d to %(maximum)d.", minimum=minimum, maximum=maximum)
            )
        return None
    return value
