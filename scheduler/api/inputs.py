"""Field parsers for JSON-shaped input, collecting clear per-field messages.

The API reads its bodies with `json_object`; the forms turn their fields into the same
shape, so both go through these parsers and give the same messages. Each parser applies
the rules of scheduler.boundary (ids, text, numbers, dates) to one field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from scheduler.boundary import dates, ids, numbers, text
from scheduler.boundary.jsonbody import read_json
from scheduler.errors import FieldErrors, ValidationFailed
from scheduler.i18n import HELSINKI, LANGUAGES, LocalizedText

# The API's formats, exactly (ASCII digits; Python's fromisoformat alone takes more).
DATE_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME_FORMAT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)


def json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object (see scheduler.boundary.jsonbody)."""
    data = read_json()
    if not isinstance(data, dict):
        raise ValidationFailed(_l("Send a JSON object with Content-Type application/json."))
    return data


def only_fields(
    data: Mapping[str, Any], allowed: Collection[str], errors: FieldErrors, *, prefix: str = ""
) -> None:
    """Unknown fields are refused (a misspelt field would otherwise be silently ignored)."""
    for name in data:
        if name not in allowed:
            errors.add(prefix + str(name)[:40], _l("Unknown field."))


def check_fields(data: Mapping[str, Any], allowed: Collection[str]) -> None:
    errors = FieldErrors()
    only_fields(data, allowed, errors)
    errors.raise_if_any(_l("Check the highlighted fields."))


def plain_text(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    max_length: int,
    required: bool = False,
    single_line: bool = True,
) -> str:
    """Text without surrounding space; names, titles and the like on a single line."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _l("Write this as text."))
        return ""
    if len(value) > max_length:  # counted as sent, so that the limit means what it says
        errors.add(field, _l("At most %(count)d characters.", count=max_length))
        return ""
    if text.unsafe(value):
        errors.add(field, _l("This has characters we cannot save. Please write it again."))
        return ""
    if single_line and text.breaks_line(value):
        errors.add(field, _l("Write this on one line."))
        return ""
    value = value.strip()
    if required and not value:
        errors.add(field, _l("Required."))
    return value


def bilingual(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    required: bool,
    max_length: int,
    single_line: bool = False,
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
        texts[language] = plain_text(
            value.get(language), field, errors, max_length=max_length, single_line=single_line
        )
    result = LocalizedText(**texts)
    if required and field not in errors and not (result.fi or result.sv):
        errors.add(field, _l("At least one language must be filled in."))
    return result


def _out_of_range(field: str, errors: FieldErrors) -> None:
    errors.add(
        field,
        _l(
            "Give a date from %(first)s to %(last)s.",
            first=dates.FIRST_DAY.isoformat(),
            last=dates.LAST_DAY.isoformat(),
        ),
    )


def local_datetime(value: Any, field: str, errors: FieldErrors) -> datetime | None:
    """ISO 8601; a value without an offset is Europe/Helsinki local time."""
    if not isinstance(value, str) or not DATETIME_FORMAT.fullmatch(value):
        errors.add(field, _l("Give a date and time like 2027-01-12T10:00."))
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.add(field, _l("Give a date and time like 2027-01-12T10:00."))
        return None
    if not dates.day_in_range(moment.date()):
        _out_of_range(field, errors)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HELSINKI)
    return moment


def iso_date(value: Any, field: str, errors: FieldErrors) -> date | None:
    if not isinstance(value, str) or not DATE_FORMAT.fullmatch(value):
        errors.add(field, _l("Give a date like 2027-01-12."))
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.add(field, _l("Give a date like 2027-01-12."))
        return None
    if not dates.day_in_range(day):
        _out_of_range(field, errors)
        return None
    return day


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


def positive_number(value: Any, field: str, errors: FieldErrors, *, maximum: float) -> float | None:
    """A finite number above zero and at most `maximum` (NaN and Infinity are refused)."""
    if not numbers.is_number(value):
        errors.add(field, _l("Give a number."))
        return None
    if value <= 0 or value > maximum:
        errors.add(field, _l("Give a number above zero and at most %(maximum)d.", maximum=maximum))
        return None
    return float(value)


def reference(value: Any, field: str, errors: FieldErrors) -> int | None:
    """An id given in a body; one that cannot exist is looked up as ids.NO_SUCH_ID."""
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _l("Give the id as a whole number."))
        return None
    return ids.bounded(value)


def references(value: Any, field: str, errors: FieldErrors, *, max_items: int) -> list[int]:
    """A list of ids, without repeats, in ascending order."""
    if not isinstance(value, list) or len(value) > max_items:
        errors.add(field, _l("Give a list of ids, e.g. [12, 15]."))
        return []
    found = [reference(item, field, errors) for item in value]
    return sorted({item for item in found if item is not None})


def flag(value: Any, field: str, errors: FieldErrors, *, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        errors.add(field, _l("Give true or false."))
        return default
    return value


def choice(
    value: Any, field: str, errors: FieldErrors, options: Iterable[str], message: Any
) -> str | None:
    """One of `options` (strings); `message` says what to give."""
    if not isinstance(value, str) or value not in set(options):
        errors.add(field, message)
        return None
    return value


def query_choice(name: str, options: Iterable[str], message: Any) -> str | None:
    """An optional query parameter: absent → None; given, it must be one of `options`."""
    if name not in request.args:
        return None
    value = request.args[name]
    if value not in set(options):
        raise ValidationFailed(_l("Check the highlighted fields."), errors={name: [message]})
    return value


def query_date(name: str, errors: FieldErrors) -> date | None:
    """An optional YYYY-MM-DD query parameter (absent → None)."""
    if name not in request.args:
        return None
    return iso_date(request.args[name], name, errors)
