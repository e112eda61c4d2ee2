"""The rotation planner: who hosts (and co-hosts) each session of a course, or of a network.

Fair (see :mod:`.shares`, the one definition used by the planner, the hosting report and the
ledger): a region has a share of a session when it takes part in the course and serves the
session's language(s); holidays count for nobody; closures do not remove a share, so what a
closed region could not host is a debt: made up in the same course where the rules allow, and
otherwise carried by the network's hosting ledger to later courses.

Per role (hosts first; co-hosts the same way after, never the session's host):

1. Counts: the count vector closest to the weighted shares that eligibility allows
   (:func:`~.fairness.lex_optimal_counts`) and the course's fairness box around the shares
   (within one, or as close as the constraints allow).
2. The ledger: inside every course's box, counts move so that the regions' balances across the
   network get as even as possible (:func:`~.network.even_out`): regions behind host first.
   A region that joins the network (or a course) starts at zero: it has no share of sessions
   before it took part, so it owes nothing.
   The ledger never pushes a region into back-to-back repeats another region could avoid
   (repeat caps; a plan that still needs more repeats than the fairest counts is redone with
   them).
3. Order: which slot each region takes, the least flexible courses first, with as few
   back-to-back repeats as the counts allow (exactly, by search, whatever the course's
   length) and the weeks busy in other courses relieved (:class:`~.role.Role`); finally the
   network's busiest region-weeks are lowered by moves that keep every count, or as a last
   resort hand a slot to the region furthest behind (:func:`~.load.relieve_peaks`).
4. A network's spread: single sessions change hands (or host and co-host swap) between a region
   far from the middle of the ledger and one on the other side, alone or in pairs whose steps
   differ by a fraction (a co-host's share depends on who hosts), inside every course's rules
   and below the busiest week (:func:`~.spread.narrow_spread`).

Re-planning keeps every previous choice still allowed and changes as few sessions (hosts and
co-hosts together) as it can inside the box; the ledger only breaks ties there.

A planner gives the balances as plain data: ``PlanRequest.balance`` or ``plan_network(...,
balance)``, the ledger of everything outside the courses being planned (the web layer computes
it from the stored sessions).
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import pairwise
from operator import itemgetter

from .calendar import iso_week, local_date
from .eligibility import describe_no_region
from .fairness import bits, lex_optimal_counts
from .load import relieve_peaks
from .model import (
    COHOST,
    HOST,
    NO_ELIGIBLE_REGION,
    Assignment,
    PlanRequest,
    PlanResult,
    Problem,
    RegionSpec,
)
from .network import even_out
from .role import Role
from .shares import COHOST_FACTOR
from .spread import narrow_spread


def _validate(request: PlanRequest) -> list[RegionSpec]:
    regions = sorted(request.regions, key=lambda r: r.code)
    codes = [r.code for r in regions]
    if len(set(codes)) != len(codes):
        raise ValueError("region codes must be unique")
    for r in regions:
        if not r.weight > 0:
            raise ValueError(f"region {r.code}: weight must be positive")
    for s in request.slots:
        if s.starts_at.tzinfo is None:
            raise ValueError(f"slot {s.key}: starts_at must be timezone-aware")
    return regions


class _Course:
    """The request turned into indices: regions in code order, slots in time order."""

    def __init__(self, request: PlanRequest) -> None:
        self.request = request
        self.regions = _validate(request)
        self.index = {r.code: i for i, r in enumerate(self.regions)}
        slots = request.slots
        order = [i for i, s in enumerate(slots) if not s.cancelled]
        if any(slots[a].starts_at > slots[b].starts_at for a, b in pairwise(order)):
            order.sort(key=lambda i: (slots[i].starts_at, i))
        self.order = order
        days = [local_date(slots[i].starts_at) for i in order]
        self.weeks = [iso_week(day) for day in days]
        # Eligible regions by language (holidays hold no session), then those with a share
        # (see .shares): a region that joined later has none before it took part.
        by_languages: dict[frozenset[str], int] = {}
        for languages in {slots[i].languages for i in order}:
            by_languages[languages] = sum(
                1 << r for r, spec in enumerate(self.regions) if languages <= spec.languages
            )
        holidays = request.holidays
        self.masks: list[int] = [
            0 if day in holidays else by_languages[slots[i].languages]
            for i, day in zip(order, days, strict=True)
        ]
        self.sharers: list[int] = list(self.masks)
        for r, spec in enumerate(self.regions):
            if spec.since is not None:
                for p, i in enumerate(order):
                    if slots[i].starts_at < spec.since:
                        self.sharers[p] &= ~(1 << r)
        # Closures: the slots whose day falls in one (days are in time order).
        for c in request.closures:
            r = self.index.get(c.region)
            if r is None:
                continue
            for p in range(bisect_left(days, c.start), bisect_right(days, c.end)):
                self.masks[p] &= ~(1 << r)
        self.codes = [r.code for r in self.regions]
        self.weights = [r.weight for r in self.regions]
        locked = [slots[i].locked for i in self.order]
        self.locked = locked
        self.keep = request.keep_previous
        n = len(self.order)
        number = self.index.get  # None (no region) stays None
        self.fixed_hosts = [number(slots[i].host) for i in order]
        self.fixed_cohosts = [number(slots[i].cohost) for i in order]
        self.hosts: list[int | None] = [None] * n
        self.cohosts: list[int | None] = [None] * n
        self.host_role: Role | None = None
        self.co_role: Role | None = None
        self.co_masks: list[int] = [0] * n

    def loads(self, duties: _WeekDuties) -> list[tuple[int, ...]] | None:
        """Duties per slot and region in other courses that week (None when there are none):
        the request's ``weekly_load`` and those of the courses placed before this one."""
        outside = self.request.weekly_load
        if not outside and not duties.rows:
            return None
        pick, rows, empty = duties.picker(self.codes), duties.rows, duties.empty
        out = [pick(rows.get(week, empty)) for week in self.weeks]
        if outside:
            codes = self.codes
            out = [
                tuple(x + outside.get((c, y, w), 0) for x, c in zip(row, codes, strict=True))
                for row, (y, w) in zip(out, self.weeks, strict=True)
            ]
        return out

    def host_role_for(self) -> Role:
        n = len(self.order)
        prev = self.fixed_hosts if self.keep else [None] * n
        share = _share_vector(self.sharers, self.weights, [None] * n)
        avoid = self.fixed_cohosts if self.keep and self.request.cohost else None
        self.host_role = Role(
            self.codes, self.fixed_hosts, self.locked, self.masks, prev, [1] * n, share, avoid
        )
        return self.host_role

    def co_role_for(self) -> Role:
        n = len(self.order)
        self.co_masks = [
            0 if h is None else m & ~(1 << h) for m, h in zip(self.masks, self.hosts, strict=True)
        ]
        prev = self.fixed_cohosts if self.keep else [None] * n
        host_prev = self.fixed_hosts if self.keep else [None] * n
        # Touching the co-host of a session whose host changed anyway costs less.
        weight = [1 if self.hosts[p] != host_prev[p] else 2 for p in range(n)]
        share = _share_vector(self.sharers, self.weights, self.hosts)
        self.co_role = Role(
            self.codes, self.fixed_cohosts, self.locked, self.co_masks, prev, weight, share
        )
        return self.co_role

    def idx(self, code: str | None) -> int | None:
        return None if code is None else self.index.get(code)


def plan(request: PlanRequest) -> PlanResult:
    """Plan (or re-plan) the hosts and co-hosts of one course. Pure and deterministic."""
    return plan_network([request], request.balance)[0]


def fair_targets(request: PlanRequest, result: PlanResult) -> dict[str, tuple[float, float]]:
    """The host and co-host targets the planner aims at in this course, by region code, for
    the hosts in ``result`` (a co-host's share depends on who hosts). The hosting report and
    the ledger compute the same numbers from stored sessions."""
    course = _Course(request)
    by_key = {a.key: a for a in result.assignments}
    hosts = [course.idx(by_key[request.slots[i].key].host) for i in course.order]
    n = len(course.order)
    host = _share_vector(course.sharers, course.weights, [None] * n)
    co = _share_vector(course.sharers, course.weights, hosts) if request.cohost else None
    return {
        code: (h, co[r] if co else 0.0)
        for r, (code, h) in enumerate(zip(course.codes, host, strict=True))
    }


def _share_vector(sharers: list[int], weights: list[float], drop: list[int | None]) -> list[float]:
    """Sum over the slots of each region's share: its weight over the sharers' weight sum, with
    ``drop[p]`` (the host, for co-hosting) left out of slot ``p``'s sharers."""
    total = [0.0] * len(weights)
    groups: dict[int, int] = {}
    for mask, gone in zip(sharers, drop, strict=True):
        if gone is not None:
            mask &= ~(1 << gone)
        if mask:
            groups[mask] = groups.get(mask, 0) + 1
    for mask, count in groups.items():
        members = bits(mask)
        weight_sum = sum(weights[r] for r in members)
        for r in members:
            total[r] += count * weights[r] / weight_sum
    return total


def _book(balance: dict[str, float], role: Role, counts: list[int], factor: float, sign: int):
    for code, c, s in zip(role.codes, counts, role.share, strict=True):
        balance[code] = balance.get(code, 0.0) + sign * factor * (c - s)


def _center(role: Role, balance: Mapping[str, float], own: list[int], factor: float):
    """Where the ledger would like this role's counts: the share minus what each region is
    ahead in the rest of the network (this role's own part taken out)."""
    out = []
    for code, c, s in zip(role.codes, own, role.share, strict=True):
        rest = balance.get(code, 0.0) - factor * (c - s)
        out.append(s - rest / factor)
    return out


class _WeekDuties:
    """The duties of the courses placed so far: per week, a row of counts by the network's
    region number (every code of the network, sorted). Each course reads its regions' columns
    with one ``itemgetter``: this runs for every role of every course."""

    def __init__(self, courses: list[_Course]) -> None:
        codes = sorted({code for course in courses for code in course.codes})
        self.number = {code: i for i, code in enumerate(codes)}
        self.empty = [0] * len(codes)
        self.rows: dict[tuple[int, int], list[int]] = {}
        self._pickers: dict[tuple[str, ...], Callable[[list[int]], tuple[int, ...]]] = {}

    def picker(self, codes: list[str]) -> Callable[[list[int]], tuple[int, ...]]:
        key = tuple(codes)
        found = self._pickers.get(key)
        if found is None:
            numbers = [self.number[code] for code in codes]
            if len(numbers) > 1:
                found = itemgetter(*numbers)
            else:
                found = lambda row, numbers=numbers: tuple(row[i] for i in numbers)  # noqa: E731
            self._pickers[key] = found
        return found

    def add(self, course: _Course, values: list[int | None]) -> None:
        """Book the course's duties (a region per slot, or None)."""
        weeks, rows, size = course.weeks, self.rows, len(self.empty)
        numbers = [self.number[code] for code in course.codes]
        for p, r in enumerate(values):
            if r is not None:
                row = rows.get(weeks[p])
                if row is None:
                    row = rows[weeks[p]] = [0] * size
                row[numbers[r]] += 1

    def cells(self) -> dict[tuple[str, int, int], int]:
        """Every region-week with a duty: (region code, ISO year, ISO week) -> duties."""
        codes = list(self.number)
        return {
            (codes[i], y, w): count
            for (y, w), row in self.rows.items()
            for i, count in enumerate(row)
            if count
        }


def _solve_roles(
    courses: list[_Course],
    roles: list[Role],
    balance: dict[str, float],
    factor: float,
    duties: _WeekDuties,
) -> list[list[int | None]]:
    """Counts evened out across the network, then each course placed in turn."""
    for role in roles:
        _book(balance, role, role.estimate(), factor, 1)
    even_out([r.state for r in roles if r.fresh], balance)
    out: list[list[int | None]] = [[] for _ in roles]
    # The least flexible courses are placed first, so the flexible ones fit around them.
    for k in sorted(range(len(roles)), key=lambda k: (roles[k].flexibility, k)):
        course, role = courses[k], roles[k]
        guess = role.estimate()
        center = _center(role, balance, guess, factor) if role.replan else None
        values = role.place(course.loads(duties), center)
        _book(balance, role, guess, factor, -1)
        _book(balance, role, role.counts(), factor, 1)
        duties.add(course, values)
        out[k] = values
    return out


def plan_network(
    requests: Sequence[PlanRequest], balance: Mapping[str, float] | None = None
) -> list[PlanResult]:
    """Plan several courses together. ``balance`` is the network's ledger outside these courses
    (by region code; default: the first request's ``balance``). Each course sees the duties of
    the courses placed before it as weekly load, so a region's busy weeks are spread, and the
    courses' counts are evened out across the network within each course's own fairness."""
    if not requests:
        return []
    with _cycle_collector_paused():
        return _plan_network(requests, balance)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A national plan allocates some hundred thousand short-lived tuples and lists, which
    set off the cyclic garbage collector again and again, and each full pass walks the whole
    input (12,000 sessions): about a seventh of the time. Reference counting frees what the
    plan leaves behind; the collector is paused for the call and resumed after it, if it was
    running."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _plan_network(
    requests: Sequence[PlanRequest], balance: Mapping[str, float] | None
) -> list[PlanResult]:
    base = dict(requests[0].balance if balance is None else balance)
    courses = [_Course(request) for request in requests]
    duties = _WeekDuties(courses)

    ledger = dict(base)
    host_roles = [c.host_role_for() for c in courses]
    for course, role in zip(courses, host_roles, strict=True):
        if course.request.cohost and role.fresh:
            _foresee_cohosting(course, role, ledger)
    hosts = _solve_roles(courses, host_roles, ledger, 1.0, duties)
    for course, values in zip(courses, hosts, strict=True):
        course.hosts = values

    ledger = dict(base)
    for role in host_roles:
        _book(ledger, role, role.counts(), 1.0, 1)
    co_courses = [c for c in courses if c.request.cohost]
    co_roles = [c.co_role_for() for c in co_courses]
    for role in co_roles:
        if role.state is not None:
            role.state.worth = [COHOST_FACTOR] * len(role.codes)
    cohosts = _solve_roles(co_courses, co_roles, ledger, COHOST_FACTOR, duties)
    for course, values in zip(co_courses, cohosts, strict=True):
        course.cohosts = values
    load = duties.cells()
    relieve_peaks(courses, load, ledger)
    if len(courses) > 1:  # one course alone: its ledger tie-break is even_out's
        narrow_spread(courses, load, ledger)
    return [_result(course) for course in courses]


def _foresee_cohosting(course: _Course, role: Role, ledger: dict[str, float]) -> None:
    """Before the hosts are chosen, book what the co-hosting will most likely add to the
    ledger (co-host turns that closures make impossible are a debt the co-hosts cannot even
    out), and tell the host counts what one more hosted session is worth: its host leaves
    that session's co-hosting to the others."""
    mixed, masks, forced_sharers, forced_drop = [], [], [], []
    for share_mask, mask in zip(course.sharers, course.masks, strict=True):
        if mask & (mask - 1):
            mixed.append(share_mask)
            masks.append(mask)
        else:
            forced_sharers.append(share_mask)
            forced_drop.append(bits(mask)[0] if mask else None)
    share = _share_vector(mixed, course.weights, [None] * len(mixed))
    forced = _share_vector(forced_sharers, course.weights, forced_drop)
    share = [a + b for a, b in zip(share, forced, strict=True)]
    counts, _ = lex_optimal_counts([0] * len(share), masks, share)
    for code, c, s in zip(course.codes, counts, share, strict=True):
        ledger[code] = ledger.get(code, 0.0) + COHOST_FACTOR * (c - s)
    everyone = 0
    for mask in course.sharers:
        everyone |= mask
    total = sum(course.weights[r] for r in bits(everyone))
    role.state.worth = [
        1.0 + COHOST_FACTOR * (w / (total - w) if total > w else 0.0) for w in course.weights
    ]


def _result(course: _Course) -> PlanResult:
    request = course.request
    slots = request.slots
    problems: list[tuple[int, int, Problem]] = []
    for p, i in enumerate(course.order):
        if course.locked[p]:
            continue
        if not course.masks[p]:
            problems.append((p, 0, _problem(request, course, i, HOST, None)))
        elif request.cohost and course.hosts[p] is not None and not course.co_masks[p]:
            host_code = course.codes[course.hosts[p]]
            problems.append((p, 1, _problem(request, course, i, COHOST, host_code)))
    # Locked and cancelled slots keep what they have; the others get the plan's regions.
    name: dict[int | None, str | None] = dict(enumerate(course.codes))
    name[None] = None
    hosts = [s.host for s in slots]
    cohosts = [s.cohost for s in slots]
    for p, i in enumerate(course.order):
        if not course.locked[p]:
            hosts[i], cohosts[i] = name[course.hosts[p]], name[course.cohosts[p]]
    assignments = tuple(map(Assignment, [s.key for s in slots], hosts, cohosts))
    problems.sort(key=lambda x: x[:2])
    return PlanResult(assignments=assignments, problems=tuple(x[2] for x in problems))


def _problem(request: PlanRequest, course: _Course, i: int, role: str, host: str | None) -> Problem:
    slot = request.slots[i]
    detail = describe_no_region(
        slot, role, tuple(course.regions), request.closures, request.holidays, host
    )
    return Problem(key=slot.key, role=role, reason=NO_ELIGIBLE_REGION, detail=detail)
