"""The input boundary: every value from outside passes these rules before a service sees it.

One rule, one module:

- ids.py       ids fit the database's integer column; the app's `int` URL converter
- text.py      no control characters or lone surrogates; single-line fields have no breaks
- numbers.py   finite numbers; numbers in forms written with ASCII digits only
- dates.py     dates and times within 2000–2100
- jsonbody.py  JSON bodies: size, nesting depth, finite numbers, safe strings
- guard.py     query strings, form fields and path parts, before any view runs

The field parsers in scheduler.api.inputs (used by the API and by the forms, which turn
their fields into the same shape) apply these rules per field with clear messages.
"""

from __future__ import annotations

from flask import Flask

from scheduler.boundary.guard import check_request
from scheduler.boundary.ids import IdConverter


def install(app: Flask) -> None:
    """Call before any blueprint is registered: rules take their converter when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
