"""Who may host a given session, and why not, in words a planner understands (fi/sv).

The rules themselves are the planner's (`rotation.ineligibility_reason`); this module loads the
closures once for a set of sessions and turns the reason codes into translated sentences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import holidays as holidays_lib
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from scheduler import rotation
from scheduler.courses.models import Course, Session
from scheduler.hosting.models import Closure
from scheduler.hosting.planning import closure_rows, holidays_for_years, region_spec
from scheduler.i18n import HELSINKI
from scheduler.regions.data import region_facts

HOLIDAY = "holiday"
CLOSURE = "closure"
LANGUAGE = "language"
NOT_PARTICIPATING = "not_participating"
# Eves the planner adds itself; the holidays package may not name them in Swedish.
_EVE_NAMES_SV = {(6, "Juhannusaatto"): "Midsommarafton", (12, "Jouluaatto"): "Julafton"}


def local_day(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()


@cache
def _holiday_names(year: int, language: str) -> dict[date, str]:
    names = rotation.finnish_holidays([year])
    if language != "sv":
        return names
    swedish = holidays_lib.Finland(years=[year], language="sv_FI")
    return {
        day: swedish.get(day) or _EVE_NAMES_SV.get((day.month, name), name)
        for day, name in names.items()
    }


def holiday_name(day: date, language: str) -> str | None:
    return _holiday_names(day.year, language).get(day)


def page_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "fi"


def long_date(day: date) -> str:
    return format_date(day, "long")


def language_names(codes: Iterable[str]) -> str:
    names = {"fi": _l("Finnish"), "sv": _l("Swedish")}
    return ", ".join(str(names.get(code, code)) for code in sorted(codes))


@dataclass
class Rules:
    """Closures and holidays around some sessions, loaded with one query."""

    closures: list[Closure]
    holidays: frozenset[date]

    @classmethod
    def around(cls, sessions: Iterable[Session], codes: Iterable[str]) -> Rules:
        sessions = list(sessions)
        if not sessions:
            return cls([], frozenset())
        first = min(local_day(s.starts_at) for s in sessions)
        last = max(local_day(s.starts_at) for s in sessions)
        return cls(closure_rows(codes, first, last), holidays_for_years(first.year, last.year))

    def closure_on(self, code: str, day: date) -> Closure | None:
        for closure in self.closures:
            if closure.region_code == code and closure.start <= day <= closure.end:
                return closure
        return None

    def reason(self, code: str | None, session: Session, course: Course) -> str | None:
        """Why `code` cannot host (or co-host) `session`, or None when it can."""
        spec = None
        if code is not None and code in course.region_codes:
            spec = region_spec(code, course.weights.get(code, 1.0))
        slot = rotation.Slot(
            key=session.id,
            starts_at=session.starts_at.astimezone(HELSINKI),
            ends_at=session.ends_at.astimezone(HELSINKI),
            languages=frozenset(course.languages),
        )
        closures = tuple(
            rotation.Closure(region=c.region_code, start=c.start, end=c.end)
            for c in self.closures
            if c.region_code == code
        )
        return rotation.ineligibility_reason(spec, slot, closures, self.holidays)

    def short_reason(self, reason: str, code: str, session: Session, course: Course) -> str:
        """A few words for lists and option labels: "public holiday", "closed 1.7.–31.7."."""
        day = local_day(session.starts_at)
        if reason == HOLIDAY:
            return str(_l("public holiday"))
        if reason == CLOSURE:
            closure = self.closure_on(code, day)
            return str(
                _l(
                    "closed %(start)s–%(end)s",
                    start=long_date(closure.start) if closure else "",
                    end=long_date(closure.end) if closure else "",
                )
            )
        if reason == LANGUAGE:
            missing = set(course.languages) - set(region_spec(code).languages)
            return str(_l("does not work in %(languages)s", languages=language_names(missing)))
        return str(_l("does not take part in this course"))

    def sentence(
        self,
        role: str,
        reason: str,
        region_label: str,
        code: str,
        session: Session,
        course: Course,
    ) -> str:
        """A full sentence for a refused host or co-host, e.g. for a 409 answer."""
        day = local_day(session.starts_at)
        values = {"region": region_label, "day": long_date(day)}
        if reason == HOLIDAY:
            values["holiday"] = holiday_name(day, page_language()) or ""
            text = (
                _l(
                    "%(region)s cannot host this session: %(day)s is a public holiday "
                    "(%(holiday)s).",
                    **values,
                )
                if role == "host"
                else _l(
                    "%(region)s cannot co-host this session: %(day)s is a public holiday "
                    "(%(holiday)s).",
                    **values,
                )
            )
        elif reason == CLOSURE:
            closure = self.closure_on(code, day)
            values["start"] = long_date(closure.start) if closure else ""
            values["end"] = long_date(closure.end) if closure else ""
            text = (
                _l(
                    "%(region)s cannot host this session on %(day)s: the region is closed "
                    "from %(start)s to %(end)s.",
                    **values,
                )
                if role == "host"
                else _l(
                    "%(region)s cannot co-host this session on %(day)s: the region is closed "
                    "from %(start)s to %(end)s.",
                    **values,
                )
            )
        elif reason == LANGUAGE:
            missing = set(course.languages) - set(region_spec(code).languages)
            values["languages"] = language_names(missing)
            text = (
                _l(
                    "%(region)s cannot host this session: the session is in %(languages)s "
                    "and the region does not work in that language.",
                    **values,
                )
                if role == "host"
                else _l(
                    "%(region)s cannot co-host this session: the session is in %(languages)s "
                    "and the region does not work in that language.",
                    **values,
                )
            )
        else:
            text = (
                _l(
                    "%(region)s cannot host this session: the region does not take part in "
                    "this course.",
                    **values,
                )
                if role == "host"
                else _l(
                    "%(region)s cannot co-host this session: the region does not take part in "
                    "this course.",
                    **values,
                )
            )
        return str(text)


def region_label(code: str | None) -> str:
    """The region's name in the page's language (its code when unknown)."""
    if code is None:
        return ""

    language = page_language()
    for fact in region_facts():
        if fact.code == code:
            return fact.name_sv if language == "sv" else fact.name_fi
    return code
