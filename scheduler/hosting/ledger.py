"""The regions' trade: the network's hosting ledger over a period.

Per region: sessions hosted and co-hosted against the fair targets (the planner's own
definition, :mod:`scheduler.rotation.shares`), and the balance
``(hosted - target) + (cohosted - cohost_target) / 2`` (positive: it gave more than its share).
Who hosted for whom: for each host and guest region, the held sessions the host led in courses
the guest takes part in, and how many times clients of the guest took part in them (each
accepted participant of the course once per session, plus the open-group joins answered with
the guest region). The materials side: materials shared with the network in the period, their
uses in other regions' sessions, and translations done for other regions.

Seven queries whatever the size of the network. :func:`replan_preview` shows what planning the
upcoming sessions again would change, without saving anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from scheduler.accounts.models import User
from scheduler.content.models import Material, SessionMaterial, TranslationRequest
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.hosting.planning import HostChange, preview_courses
from scheduler.hosting.shares import (
    BALANCE_DAYS,
    SessionRow,
    book,
    course_facts,
    course_ids_of,
    facts_of,
    held,
    held_rows,
    network_balance,
    session_select,
)
from scheduler.meetings.models import JoinRegionCount
from scheduler.periods import day_bounds, parse_period  # noqa: F401  (re-exported)
from scheduler.rotation.shares import Ledger


@dataclass(frozen=True)
class RegionAccount:
    code: str
    hosted: int
    cohosted: int
    target: float
    cohost_target: float
    balance: float

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "hosted": self.hosted,
            "cohosted": self.cohosted,
            "target": self.target,
            "cohost_target": self.cohost_target,
            "balance": self.balance,
        }


@dataclass(frozen=True)
class Pair:
    host: str
    guest: str
    sessions: int
    participants: int

    def as_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "guest": self.guest,
            "sessions": self.sessions,
            "participants": self.participants,
        }


@dataclass(frozen=True)
class MaterialTrade:
    code: str
    shared: int
    used_by_others: int
    translations_done: int

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "shared": self.shared,
            "used_by_others": self.used_by_others,
            "translations_done": self.translations_done,
        }


@dataclass
class TradeLedger:
    start: date
    end: date
    regions: list[RegionAccount]
    pairs: list[Pair]
    materials: list[MaterialTrade]
    sessions: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "regions": [r.as_json() for r in self.regions],
            "pairs": [p.as_json() for p in self.pairs],
            "materials": [m.as_json() for m in self.materials],
        }

    @property
    def spread(self) -> float:
        """Max - min balance over the regions (0 with fewer than two)."""
        values = [r.balance for r in self.regions]
        return round(max(values) - min(values), 2) if len(values) > 1 else 0.0

    @property
    def codes(self) -> list[str]:
        """Every region in the ledger (regions, pairs or materials), in code order."""
        found = {r.code for r in self.regions} | {m.code for m in self.materials}
        found |= {p.host for p in self.pairs} | {p.guest for p in self.pairs}
        return sorted(found)

    def pair(self, host: str, guest: str) -> Pair | None:
        return self._pairs.get((host, guest))

    @cached_property
    def _pairs(self) -> dict[tuple[str, str], Pair]:
        return {(p.host, p.guest): p for p in self.pairs}

    @property
    def busiest_pair(self) -> int:
        return max([1] + [p.sessions for p in self.pairs])

    @property
    def largest_balance(self) -> float:
        return max([1.0] + [abs(r.balance) for r in self.regions])


def trade_ledger(start: date, end: date) -> TradeLedger:
    """The ledger of the period (Helsinki dates, both ends included)."""
    low, high = day_bounds(start, end)
    in_period = (Session.starts_at >= low, Session.starts_at < high)
    rows = held_rows(session_select(*in_period))
    facts = course_facts(course_ids_of(*in_period)) if rows else {}
    accounts = book(rows, facts, Ledger())
    for course in facts.values():  # every participating region is listed, even at zero
        for region in course.regions:
            accounts.account(region.code)
    regions = [
        RegionAccount(
            code=a.code,
            hosted=a.hosted,
            cohosted=a.cohosted,
            target=round(a.target, 2),
            cohost_target=round(a.cohost_target, 2),
            balance=round(a.balance, 2),
        )
        for a in sorted(accounts.accounts.values(), key=lambda a: a.code)
    ]
    pairs = _pairs(held(rows), facts, in_period) if rows else []
    return TradeLedger(start, end, regions, pairs, _materials(low, high, in_period), len(rows))


def _pairs(rows: list, facts: dict, in_period: tuple) -> list[Pair]:
    accepted: dict[int, Counter[str]] = {}
    for course_id, code, count in db.session.execute(
        db.select(Application.course_id, Application.region_code, func.count(Application.id))
        .where(Application.status == "accepted")
        .where(Application.course_id.in_(course_ids_of(*in_period)))
        .group_by(Application.course_id, Application.region_code)
    ):
        accepted.setdefault(course_id, Counter())[code] += count
    joins: dict[int, Counter[str]] = {}
    for session_id, code, answers in db.session.execute(
        db.select(JoinRegionCount.session_id, JoinRegionCount.region_code, JoinRegionCount.answers)
        .join(Session, Session.id == JoinRegionCount.session_id)
        .where(Session.status == "scheduled", *in_period)
    ):
        joins.setdefault(session_id, Counter())[code] += answers
    sessions: Counter[tuple[str, str]] = Counter()
    participants: Counter[tuple[str, str]] = Counter()
    for row in rows:
        course = facts.get(row.course_id)
        if row.host is None or course is None:
            continue
        came = joins.get(row.id, Counter())
        enrolled = accepted.get(row.course_id, Counter())
        for region in course.regions:
            guest = region.code
            if guest == row.host:
                continue
            sessions[(row.host, guest)] += 1
            participants[(row.host, guest)] += enrolled[guest] + came[guest]
    return [
        Pair(host, guest, count, participants[(host, guest)])
        for (host, guest), count in sorted(sessions.items())
    ]


def _materials(low: datetime, high: datetime, in_period: tuple) -> list[MaterialTrade]:
    shared = Counter(
        dict(
            db.session.execute(
                db.select(Material.owner_region, func.count(Material.id))
                .where(Material.shared.is_(True), Material.created_at >= low)
                .where(Material.created_at < high)
                .group_by(Material.owner_region)
            ).all()
        )
    )
    used = Counter(
        dict(
            db.session.execute(
                db.select(Material.owner_region, func.count(SessionMaterial.id))
                .join(SessionMaterial, SessionMaterial.material_id == Material.id)
                .join(Session, Session.id == SessionMaterial.session_id)
                .where(Session.status == "scheduled", *in_period)
                .where(Session.host_region.is_not(None))
                .where(Session.host_region != Material.owner_region)
                .group_by(Material.owner_region)
            ).all()
        )
    )
    # Who translated: the region of the planner who added the missing version (an
    # administrator's work counts for the material's owner), for another region's request.
    doer = func.coalesce(User.region_code, Material.owner_region)
    done = Counter(
        dict(
            db.session.execute(
                db.select(doer, func.count(TranslationRequest.id))
                .select_from(TranslationRequest)
                .outerjoin(User, User.id == TranslationRequest.fulfilled_by_id)
                .outerjoin(Material, Material.id == TranslationRequest.material_id)
                .where(TranslationRequest.status == "fulfilled")
                .where(TranslationRequest.fulfilled_at >= low)
                .where(TranslationRequest.fulfilled_at < high)
                .where(doer.is_not(None), doer != TranslationRequest.requesting_region)
                .group_by(doer)
            ).all()
        )
    )
    codes = sorted(set(shared) | set(used) | set(done))
    return [MaterialTrade(code, shared[code], used[code], done[code]) for code in codes]


# --- what the next plan would change ------------------------------------------------------------


@dataclass
class Preview:
    """Re-planning every upcoming session (past, frozen and hand-set ones kept) honouring the
    ledger: the changes, and each region's balance before and after."""

    changes: list[HostChange] = field(default_factory=list)
    courses: int = 0
    by_id: dict[int, Course] = field(default_factory=dict)
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def _spread(values: dict[str, float]) -> float:
        return round(max(values.values()) - min(values.values()), 2) if len(values) > 1 else 0.0

    @property
    def spread_before(self) -> float:
        return self._spread(self.before)

    @property
    def spread_after(self) -> float:
        return self._spread(self.after)

    def course_of(self, change: HostChange) -> Course:
        return self.by_id[change.session.course_id]

    @property
    def changed_courses(self) -> int:
        return len({change.session.course_id for change in self.changes})

    def as_json(self) -> dict[str, Any]:
        return {
            "courses": self.courses,
            "changed_courses": self.changed_courses,
            "spread_before": self.spread_before,
            "spread_after": self.spread_after,
            "regions": [
                {
                    "code": code,
                    "balance_before": round(self.before.get(code, 0.0), 2),
                    "balance_after": round(self.after.get(code, 0.0), 2),
                }
                for code in sorted(set(self.before) | set(self.after))
            ],
            "changes": [
                {
                    "session": c.session.id,
                    "course": c.session.course_id,
                    "starts_at": c.session.starts_at.isoformat(),
                    "host_region": [c.old_host, c.new_host],
                    "cohost_region": [c.old_cohost, c.new_cohost],
                }
                for c in self.changes
            ],
        }


def upcoming_courses(now: datetime) -> list[Course]:
    """Courses with a scheduled session after the freeze horizon (three queries)."""
    horizon = now + timedelta(days=current_app.config["FREEZE_DAYS"])
    ids = db.select(Session.course_id).where(
        Session.status == "scheduled", Session.starts_at > horizon
    )
    return list(
        db.session.scalars(
            db.select(Course)
            .where(Course.id.in_(ids))
            .order_by(Course.first_session, Course.id)
            .options(selectinload(Course.participations), selectinload(Course.sessions))
        )
    )


def replan_preview(now: datetime | None = None) -> Preview:
    """What planning every upcoming session again now would change (nothing is saved).

    Sessions in the past, within the freeze horizon, cancelled or set by hand stay; the rest
    are planned afresh with the network's ledger evened out within each course's fairness.
    Balances are the planner's: sessions from a year back on.
    """
    now = now or utcnow()
    courses = upcoming_courses(now)
    preview = Preview(courses=len(courses), by_id={c.id: c for c in courses})
    if not courses:
        return preview
    outside = network_balance([c.id for c in courses])
    outcomes = preview_courses(courses, afresh=True, now=now)
    for outcome in outcomes:
        preview.changes.extend(outcome.changes)
    preview.changes.sort(key=lambda c: (c.session.starts_at, c.session.id))
    new = {c.session.id: (c.new_host, c.new_cohost) for c in preview.changes}
    facts = {c.id: facts_of(c) for c in courses}
    since = now - timedelta(days=BALANCE_DAYS)
    sessions = [s for c in courses for s in c.sessions if not s.cancelled and s.starts_at >= since]
    current = [SessionRow(s.id, s.course_id, s.starts_at, s.host_region, s.cohost_region)
               for s in sessions]  # fmt: skip
    planned = [
        SessionRow(s.id, s.course_id, s.starts_at, *new.get(s.id, (s.host_region, s.cohost_region)))
        for s in sessions
    ]
    preview.before = _plus(outside, book(current, facts, Ledger()).balances())
    preview.after = _plus(outside, book(planned, facts, Ledger()).balances())
    return preview


def _plus(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    out = dict(a)
    for code, value in b.items():
        out[code] = out.get(code, 0.0) + value
    return out
