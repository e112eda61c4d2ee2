"""Query strings, form fields, file names and path parts, checked before any view runs.

JSON bodies are checked where they are read (jsonbody.py). A path part that could never be
stored names nothing (404); a query or form value with such a character is a 422 naming
the field, in the user's language, as problem+json for the API and as a page otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from scheduler.boundary.text import unsafe
from scheduler.errors import ValidationFailed

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def check_request() -> None:
    path_parts = (request.view_args or {}).values()
    if any(_unsafe(value) for value in path_parts):
        raise NotFound()
    for name, value in _fields():
        if _unsafe(name) or _unsafe(value):
            field = name if name and not _unsafe(name) else "form"
            raise ValidationFailed(
                _l(
                    "The field “%(field)s” has a character we cannot save (a control "
                    "character). Please remove it and send again.",
                    field=field,
                ),
                errors={field: [_l("This has characters we cannot save. Please write it again.")]},
            )


def _unsafe(value: str | None) -> bool:
    return isinstance(value, str) and unsafe(value)


def _fields() -> Iterator[tuple[str | None, str | None]]:
    """Every query and form field as (name, value), and uploads as (name, file name); a
    multipart part may lack either."""
    yield from request.args.items(multi=True)
    if request.mimetype not in FORM_TYPES:
        return
    try:
        yield from request.form.items(multi=True)
        for name, upload in request.files.items(multi=True):
            yield name, upload.filename
    except RequestEntityTooLarge:
        return  # the view answers 413 with its own words
