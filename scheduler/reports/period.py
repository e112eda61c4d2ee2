"""The report period from `from` and `to` query parameters (dates, both ends included)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

from scheduler.api import inputs
from scheduler.dbtypes import utcnow
from scheduler.errors import FieldErrors
from scheduler.i18n import HELSINKI


def this_year() -> tuple[date, date]:
    year = utcnow().astimezone(HELSINKI).year
    return date(year, 1, 1), date(year, 12, 31)


def parse_period(args: Mapping[str, str]) -> tuple[date, date]:
    """`from` and `to` as YYYY-MM-DD; a missing one defaults to this year's first or last day."""
    errors = FieldErrors()
    default_start, default_end = this_year()
    start = inputs.iso_date(args["from"], "from", errors) if args.get("from") else default_start
    end = inputs.iso_date(args["to"], "to", errors) if args.get("to") else default_end
    if start and end and start > end:
        errors.add("to", _l("The end date must not be before the start date."))
    errors.raise_if_any(_l("Please check the period."))
    assert start is not None and end is not None
    return start, end
