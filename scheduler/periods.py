"""Report periods: `from`/`to` dates (both ends included) and their Helsinki time bounds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from scheduler.api import inputs
from scheduler.dbtypes import utcnow
from scheduler.errors import FieldErrors
from scheduler.i18n import HELSINKI

MAX_DAYS = 10 * 366


def this_year() -> tuple[date, date]:
    year = utcnow().astimezone(HELSINKI).year
    return date(year, 1, 1), date(year, 12, 31)


def parse_period(start: Any, end: Any) -> tuple[date, date]:
    """YYYY-MM-DD dates; a missing one (None) defaults to this year's first or last day."""
    errors = FieldErrors()
    default_start, default_end = this_year()
    first = default_start if start is None else inputs.iso_date(start, "from", errors)
    last = default_end if end is None else inputs.iso_date(end, "to", errors)
    if first and last:
        if last < first:
            errors.add("to", _l("The end must be on or after the start."))
        elif (last - first).days > MAX_DAYS:
            errors.add("to", _l("Choose a period of at most ten years."))
    errors.raise_if_any(_l("Check the highlighted fields."))
    assert first is not None and last is not None
    return first, last


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Helsinki time, as aware datetimes."""
    return (
        datetime.combine(start, time(0), tzinfo=HELSINKI),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=HELSINKI),
    )
