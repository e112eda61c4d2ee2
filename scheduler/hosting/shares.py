"""Fair shares of stored sessions: the planner's definition (scheduler.rotation.shares) applied
to rows, for the hosting report, the ledger and the balance the planner is given.

Two queries whatever the number of sessions: the sessions, then the courses' regions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, or_

from scheduler import rotation
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from scheduler.periods import day_bounds
from scheduler.regions.data import region_facts
from scheduler.rotation.shares import Ledger, ShareBook

# The balance the planner honours covers the sessions from a year back on (and every planned
# one ahead): old debts fade, and a region joining the network starts at zero.
BALANCE_DAYS = 365
HORIZON_YEARS = 6  # holidays are left out this far ahead of the balance's first day


@dataclass(frozen=True)
class CourseFacts:
    """What the share of a course's sessions depends on."""

    regions: tuple[rotation.RegionSpec, ...]
    languages: frozenset[str]
    cohost: bool


@dataclass(frozen=True)
class SessionRow:
    id: int
    course_id: int
    starts_at: datetime
    host: str | None
    cohost: str | None


def course_facts(course_ids: Select) -> dict[int, CourseFacts]:
    """Regions (with the languages they serve, weights and joining moments), languages and
    co-hosting of the given courses, in one query."""
    serves = {fact.code: frozenset(fact.languages) for fact in region_facts()}
    rows = db.session.execute(
        db.select(
            CourseRegion.course_id,
            CourseRegion.region_code,
            CourseRegion.weight,
            CourseRegion.joined_at,
            Course.languages_csv,
            Course.cohost,
        )
        .join(Course, Course.id == CourseRegion.course_id)
        .where(CourseRegion.course_id.in_(course_ids))
        .order_by(CourseRegion.course_id, CourseRegion.position, CourseRegion.id)
    )
    regions: dict[int, list[rotation.RegionSpec]] = {}
    about: dict[int, tuple[frozenset[str], bool]] = {}
    for course_id, code, weight, joined_at, languages_csv, cohost in rows:
        since = joined_at.astimezone(HELSINKI) if joined_at is not None else None
        spec = rotation.RegionSpec(code, serves.get(code, frozenset()), weight, since)
        regions.setdefault(course_id, []).append(spec)
        about[course_id] = (frozenset(languages_csv.split(",")), bool(cohost))
    return {
        course_id: CourseFacts(tuple(specs), *about[course_id])
        for course_id, specs in regions.items()
    }


def facts_of(course: Course) -> CourseFacts:
    """The same facts from a loaded course (no query)."""
    serves = {fact.code: frozenset(fact.languages) for fact in region_facts()}
    regions = tuple(
        rotation.RegionSpec(
            p.region_code,
            serves.get(p.region_code, frozenset()),
            p.weight,
            None if p.joined_at is None else p.joined_at.astimezone(HELSINKI),
        )
        for p in course.participations
    )
    return CourseFacts(regions, frozenset(course.languages), bool(course.cohost))


def held_rows(query: Select) -> list[SessionRow]:
    """Run a :func:`session_select`."""
    return [SessionRow(*row) for row in db.session.execute(query)]


def session_select(*conditions) -> Select:
    """(id, course_id, starts_at, host_region, cohost_region) of scheduled sessions."""
    return db.select(
        Session.id, Session.course_id, Session.starts_at, Session.host_region, Session.cohost_region
    ).where(Session.status == "scheduled", *conditions)


def course_ids_of(*conditions) -> Select:
    """The courses with scheduled sessions meeting ``conditions``, as a subquery."""
    return db.select(Session.course_id).where(Session.status == "scheduled", *conditions).distinct()


def holidays_of(rows: Iterable[SessionRow]) -> frozenset[date]:
    years = {row.starts_at.astimezone(HELSINKI).year for row in rows}
    if not years:
        return frozenset()
    return frozenset(rotation.finnish_holidays(range(min(years), max(years) + 1)))


def held(rows: list[SessionRow]) -> list[SessionRow]:
    """The sessions that count: holidays hold none and count for nobody."""
    holidays = holidays_of(rows)
    return [row for row in rows if row.starts_at.astimezone(HELSINKI).date() not in holidays]


def book(rows: list[SessionRow], facts: dict[int, CourseFacts], ledger: Ledger) -> Ledger:
    """Book held sessions (holidays count for nobody) into ``ledger``: hosted and co-hosted
    sessions, and each region's share of hosting and co-hosting them."""
    shares = ShareBook()
    for row in held(rows):
        starts_at = row.starts_at.astimezone(HELSINKI)
        course = facts.get(row.course_id)
        if course is None:
            continue
        cohosted = course.cohost or row.cohost is not None
        host_share, co_share = shares.shares(
            course.regions, course.languages, starts_at, row.host, cohosted
        )
        ledger.add_session(host_share, co_share, row.host, row.cohost)
    return ledger


def network_balance(exclude_courses: Iterable[int] = ()) -> dict[str, float]:
    """Each region's balance in the network's ledger over the sessions from a year back on,
    leaving out the courses being planned (their own part is the planner's to choose).

    Sessions are counted in the database, grouped by course, host and co-host (the shares
    depend on nothing else), with public holidays left out by their dates; only courses that
    a region joined late are read session by session. Three queries whatever the size of the
    network."""
    since = utcnow() - timedelta(days=BALANCE_DAYS)
    conditions = [Session.starts_at >= since]
    excluded = sorted(set(exclude_courses))
    if excluded:
        conditions.append(Session.course_id.not_in(excluded))
    first = since.astimezone(HELSINKI).date()
    for day in sorted(rotation.finnish_holidays(range(first.year, first.year + HORIZON_YEARS))):
        if day >= first:
            low, high = day_bounds(day, day)
            conditions.append(or_(Session.starts_at < low, Session.starts_at >= high))
    grouped = db.session.execute(
        db.select(
            Session.course_id,
            Session.host_region,
            Session.cohost_region,
            func.count(Session.id),
            func.min(Session.starts_at),
        )
        .where(Session.status == "scheduled", *conditions)
        .group_by(Session.course_id, Session.host_region, Session.cohost_region)
    ).all()
    if not grouped:
        return {}
    facts = course_facts(course_ids_of(*conditions))
    late = sorted(c for c, f in facts.items() if any(r.since is not None for r in f.regions))
    ledger = Ledger()
    shares = ShareBook()
    for course_id, host, cohost, count, starts_at in grouped:
        course = facts.get(course_id)
        if course is None or course_id in late:
            continue
        cohosted = course.cohost or cohost is not None
        host_share, co_share = shares.shares(
            course.regions, course.languages, starts_at, host, cohosted
        )
        ledger.add_session(host_share, co_share, host, cohost, count)
    if late:
        rows = held_rows(session_select(Session.course_id.in_(late), *conditions))
        book(rows, facts, ledger)
    return ledger.balances()
