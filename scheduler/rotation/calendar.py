"""Session dates in Europe/Helsinki and the Finnish public holidays that move them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays as holidays_lib

from .model import HELSINKI

# Eves that close workplaces in practice. The holidays package lists them for Finland today,
# but we add them ourselves so a package change can't silently schedule a session on them.
_EVES = ((6, "Juhannusaatto"), (12, "Jouluaatto"))


def finnish_holidays(years: Iterable[int]) -> dict[date, str]:
    """Finnish public holidays (names in Finnish) for ``years``, the eves included."""
    years = sorted(set(years))
    found: dict[date, str] = dict(holidays_lib.Finland(years=years, language="fi").items())
    for year in years:
        christmas_eve = date(year, 12, 24)
        found.setdefault(christmas_eve, _EVES[1][1])
        # Midsummer Eve is the Friday between 19 and 25 June.
        midsummer_eve = next(
            date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4
        )
        found.setdefault(midsummer_eve, _EVES[0][1])
    return dict(sorted(found.items()))


def local_date(moment: datetime) -> date:
    """The date of ``moment`` on a Helsinki wall calendar."""
    if moment.tzinfo is HELSINKI:  # already on Helsinki time: astimezone would change nothing
        return moment.date()
    return moment.astimezone(HELSINKI).date()


def weekly_dates(
    first_start: datetime, duration: timedelta, count: int, skip: Collection[date]
) -> list[tuple[datetime, datetime]]:
    """``count`` weekly (start, end) pairs at the same Helsinki wall-clock time as ``first_start``.

    A week whose date is in ``skip`` holds no session and the series runs one week longer, so the
    promised number of sessions is kept. Dates are built from the local date and local time, never
    by adding 7 × 24 h to an aware datetime, which would drift by an hour across DST changes. The
    end is ``duration`` of real time after the start.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if first_start.tzinfo is None:
        first_start = first_start.replace(tzinfo=HELSINKI)
    local = first_start.astimezone(HELSINKI)
    day, wall = local.date(), local.time().replace(tzinfo=None)
    skip = frozenset(skip)
    out: list[tuple[datetime, datetime]] = []
    while len(out) < count:
        if day not in skip:
            # Round-trip through UTC so a wall time that doesn't exist (a DST gap) is normalised.
            start = datetime.combine(day, wall, tzinfo=HELSINKI).astimezone(UTC)
            out.append((start.astimezone(HELSINKI), (start + duration).astimezone(HELSINKI)))
        day += timedelta(days=7)
    return out


@lru_cache(maxsize=8192)
def iso_week(day: date) -> tuple[int, int]:
    """(ISO year, ISO week) of a day; cached: a network's courses share their weeks."""
    year, week, _ = day.isocalendar()
    return year, week
