"""Ids: every id the service hands out fits the database's integer column (1 … 2³¹−1).

An id outside that range names nothing. In a URL the `int` converter refuses it, so the
route does not match and the answer is 404; in a body an out-of-range id is looked up as
NO_SUCH_ID, so the service answers exactly as for any other id that does not exist.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from scheduler.boundary.numbers import whole_number

MIN_ID = 1
MAX_ID = 2**31 - 1  # INTEGER on PostgreSQL; SQLite takes more, but the rule is the same
NO_SUCH_ID = 0  # ids start at 1 on both databases, so this one is never found


# 1 … 2147483647 in ASCII digits without leading zeros. The range lives in the pattern itself:
# a value the pattern took but the converter refused would make Werkzeug answer 405 when a
# sibling rule with another method matched the same path.
ID_PATTERN = (
    r"(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
    r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
    r"|21474836[0-3][0-9]|214748364[0-7])"
)


class IdConverter(IntegerConverter):
    """`<int:…>` for ids: 1 … MAX_ID in ASCII digits; anything else does not match (404)."""

    regex = ID_PATTERN

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", MIN_ID)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded(value: int) -> int:
    """The id to look up: the id itself, or NO_SUCH_ID when no row can have it."""
    return value if MIN_ID <= value <= MAX_ID else NO_SUCH_ID


def form_reference(text: str | None) -> int | None:
    """An id chosen in a form or query (ASCII digits): None when it is not a number."""
    number = whole_number(text)
    return None if number is None else bounded(number)
