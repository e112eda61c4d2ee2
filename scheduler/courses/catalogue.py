"""The public catalogue: courses with a coming session, filtered, searched and paged.

The listing (every course with a session that has not ended, with what its card shows and
what the filters need) is derived data (scheduler.derived): each app process builds it
with two queries — the next session of every course from one aggregate over the coming
sessions (an index range, whatever the length of the network's history), and the courses'
texts and regions — and keeps it until the network changes or the first listed session
ends. Filtering, searching and paging a few hundred entries in memory then costs less than
one more query.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_

from scheduler.courses.models import KINDS, Course, CourseRegion, Session
from scheduler.derived import derived
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES, LocalizedText

PER_PAGE = 20
MAX_QUERY = 100
MAX_WORDS = 8


@dataclass(frozen=True)
class Listed:
    """What a catalogue card shows (the same names as a Course where they overlap)."""

    id: int
    kind: str
    status: str  # "cancelled": listed with a badge until its last session would have ended
    title: LocalizedText
    languages: list[str]
    region_codes: frozenset[str]
    next_start: datetime
    next_end: datetime
    words: str  # folded titles and descriptions in both languages, for searching


@dataclass(frozen=True)
class Listing:
    entries: tuple[Listed, ...]
    built_at: datetime

    @property
    def valid_until(self) -> datetime | None:
        """The first listed session to end changes that course's card."""
        return min((entry.next_end for entry in self.entries), default=None)

    def page_changes_at(self, now: datetime, window: timedelta) -> datetime | None:
        """When the rendered cards change by time alone: a listed session ends, or the join
        window of an open group's next session opens (its card gets the Join button)."""
        openings = [
            entry.next_start - window
            for entry in self.entries
            if entry.kind == "open" and entry.next_start - window > now
        ]
        return min([*openings, *filter(None, [self.valid_until])], default=None)


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    language: str | None = None
    kind: str | None = None
    query: str = ""

    def key(self) -> tuple[str, ...]:
        return (self.region or "", self.language or "", self.kind or "", self.query)


@dataclass(frozen=True)
class CataloguePage:
    entries: list[Listed]
    total: int
    page: int
    pages: int
    filters: Filters = field(default_factory=Filters)


def fold(text: str) -> str:
    """Lower case without accents except the Finnish and Swedish letters (ä, ö, å stay)."""
    kept = {"ä", "ö", "å"}
    out = []
    for char in unicodedata.normalize("NFC", text.casefold()):
        if char in kept:
            out.append(char)
            continue
        base = unicodedata.normalize("NFD", char)[0]
        out.append(base)
    return "".join(out)


def search_words(query: str) -> list[str]:
    return fold(query[:MAX_QUERY]).split()[:MAX_WORDS]


def build_listing(now: datetime) -> Listing:
    """Every course with a coming (or running) session, soonest first: two queries.

    A cancelled course stays listed (its card says so) while its cancelled sessions would
    still have been coming, so that a client looking for it learns it is cancelled."""
    upcoming = (
        db.select(
            Session.course_id.label("course_id"),
            func.min(Session.starts_at).label("next_start"),
            func.min(Session.ends_at).label("next_end"),
        )
        .join(Course, Course.id == Session.course_id)
        .where(
            Session.ends_at > now,
            or_(Session.status == "scheduled", Course.status == "cancelled"),
        )
        .group_by(Session.course_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(
            Course.id,
            Course.kind,
            Course.status,
            Course.title_fi,
            Course.title_sv,
            Course.description_fi,
            Course.description_sv,
            Course.languages_csv,
            upcoming.c.next_start,
            upcoming.c.next_end,
        )
        .join(upcoming, upcoming.c.course_id == Course.id)
        .order_by(upcoming.c.next_start, Course.id)
    ).all()
    regions: dict[int, set[str]] = {}
    if rows:
        for course_id, code in db.session.execute(
            db.select(CourseRegion.course_id, CourseRegion.region_code).where(
                CourseRegion.course_id.in_([row.id for row in rows])
            )
        ):
            regions.setdefault(course_id, set()).add(code)
    entries = tuple(
        Listed(
            id=row.id,
            kind=row.kind,
            status=row.status,
            title=LocalizedText(row.title_fi, row.title_sv),
            languages=row.languages_csv.split(","),
            region_codes=frozenset(regions.get(row.id, ())),
            next_start=row.next_start,
            next_end=row.next_end,
            words=fold(
                " ".join((row.title_fi, row.title_sv, row.description_fi, row.description_sv))
            ),
        )
        for row in rows
    )
    return Listing(entries=entries, built_at=now)


def listing(now: datetime) -> Listing:
    """The process's listing, rebuilt when the network changed or a listed session ended."""
    return derived(
        ("catalogue",),
        lambda: build_listing(now),
        valid_until=lambda found: found.valid_until,
        now=now,
    )


def matches(entry: Listed, filters: Filters, words: list[str]) -> bool:
    if filters.region and filters.region not in entry.region_codes:
        return False
    if filters.language and filters.language not in entry.languages:
        return False
    if filters.kind and entry.kind != filters.kind:
        return False
    return all(word in entry.words for word in words)


def parse_filters(
    region: str | None,
    language: str | None,
    kind: str | None,
    query: str | None,
    known: set[str],
) -> Filters:
    """Unknown values are ignored (the page shows everything) rather than refused."""
    return Filters(
        region=region if region in known else None,
        language=language if language in LANGUAGES else None,
        kind=kind if kind in KINDS else None,
        query=" ".join((query or "")[:MAX_QUERY].split()),
    )


def catalogue_page(filters: Filters, page: int, now: datetime) -> CataloguePage:
    words = search_words(filters.query)
    found = [entry for entry in listing(now).entries if matches(entry, filters, words)]
    pages = max(1, math.ceil(len(found) / PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PER_PAGE
    return CataloguePage(
        entries=found[start : start + PER_PAGE],
        total=len(found),
        page=page,
        pages=pages,
        filters=filters,
    )
