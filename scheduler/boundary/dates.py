"""Dates and times: within the years the service plans for.

Python's dates reach from year 1 to 9999, but a report period or a closure in year 9999 (or 1)
overflows time-zone arithmetic and the databases. Nothing the service does lies outside
2000–2100, so every date from outside must lie inside it.
"""

from __future__ import annotations

from datetime import date, datetime

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def day_in_range(day: date) -> bool:
    if isinstance(day, datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY
