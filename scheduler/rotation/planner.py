"""The rotation planner: who hosts (and co-hosts) each session of a course.

Per role, in three steps:

1. Counts: the count vector closest to the weighted shares that eligibility allows
   (:func:`~.fairness.lex_optimal_counts`). When re-planning, any count within one of the share
   (or as close as the best) is acceptable, which lets us keep more of the previous plan.
2. Which slots change: none when planning from scratch (all open slots are placed); when
   re-planning, the cheapest set found by :func:`~.replan.keep_assign`.
3. Order: the slots that are placed get their region in time order
   (:func:`~.sequence.fill_in_order`), then back-to-back repeats are repaired
   (:func:`~.sequence.fix_repeats`, and for small courses exactly, :mod:`~.exact`), and weeks
   busy in other courses are relieved by swaps (:func:`~.sequence.spread_load`).

Co-hosts are planned the same way after the hosts, with the host removed from each slot's
choices; changing a co-host in a session whose host already changed is cheaper than touching
another session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from .calendar import iso_week, local_date
from .eligibility import describe_no_region
from .exact import fewest_repeats, repeats_lower_bound
from .fairness import Witness, bits, fairness_box, lex_optimal_counts, shares
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
from .replan import keep_assign
from .sequence import count_repeats, fill_in_order, fix_repeats, spread_load


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


def solve_role(
    fixed: list[int | None],
    locked: list[bool],
    masks: list[int],
    prev: list[int | None],
    weight: list[int],
    weights: list[float],
    loads: list[list[int]] | None,
    keep_previous: bool,
) -> list[int | None]:
    """Regions (indices) for one role over the non-cancelled slots in time order.

    ``fixed`` holds the value of locked positions; ``masks`` the eligible regions of open ones.
    """
    size = len(weights)
    n = len(fixed)
    values: list[int | None] = [fixed[p] if locked[p] else None for p in range(n)]
    locked_counts = [0] * size
    for p in range(n):
        if locked[p] and fixed[p] is not None:
            locked_counts[fixed[p]] += 1
    open_pos = [p for p in range(n) if not locked[p] and masks[p]]
    total = sum(locked_counts) + len(open_pos)
    if not open_pos or size == 0:
        return values
    share = shares(total, weights)
    best, witness = lex_optimal_counts(locked_counts, [masks[p] for p in open_pos], share)
    lo, hi = fairness_box(best, share)

    cost = old = None
    if keep_previous and any(prev[p] is not None for p in open_pos):
        trial = list(values)
        counts = list(locked_counts)
        if keep_assign(trial, open_pos, masks, prev, weight, counts, lo, hi, share, loads):
            todo = [p for p in open_pos if trial[p] != prev[p]]
            witness = Witness(size)
            for p in todo:
                witness.add(masks[p], trial[p])
                trial[p] = None
            values = trial
            cost = [[0] * size for _ in range(n)]
            for p in open_pos:
                cost[p] = [0 if r == prev[p] else weight[p] for r in range(size)]
            fill_in_order(values, todo, masks, witness, loads, prev)
            old = [fixed[p] if locked[p] else prev[p] for p in range(n)]
        else:
            fill_in_order(values, open_pos, masks, witness, loads, None)
    else:
        fill_in_order(values, open_pos, masks, witness, loads, None)

    counts = list(locked_counts)
    for p in open_pos:
        counts[values[p]] += 1
    if any(values[p] is not None and values[p] == values[p - 1] for p in range(1, n)):
        # When re-planning, removing a repeat may cost at most one more changed session:
        # a one-week closure should not ripple through the plan.
        limit = None if cost is None else max(weight)
        fix_repeats(values, open_pos, masks, counts, lo, hi, share, cost, limit, old)
        if cost is None and count_repeats(values) > repeats_lower_bound(values, open_pos, masks):
            fewest_repeats(values, open_pos, masks)
    if loads is not None and cost is None:
        spread_load(values, open_pos, masks, loads)
    return values


class _Course:
    """The request turned into indices: regions in code order, slots in time order."""

    def __init__(self, request: PlanRequest) -> None:
        self.request = request
        self.regions = _validate(request)
        self.index = {r.code: i for i, r in enumerate(self.regions)}
        slots = request.slots
        self.order = sorted(
            (i for i, s in enumerate(slots) if not s.cancelled),
            key=lambda i: (slots[i].starts_at, i),
        )
        by_region: dict[str, list] = {}
        for c in request.closures:
            by_region.setdefault(c.region, []).append(c)
        lang_cache: dict[frozenset[str], int] = {}
        self.masks: list[int] = []
        self.weeks: list[tuple[int, int]] = []
        for i in self.order:
            slot = slots[i]
            day = local_date(slot.starts_at)
            self.weeks.append(iso_week(day))
            if day in request.holidays:
                self.masks.append(0)
                continue
            mask = lang_cache.get(slot.languages)
            if mask is None:
                mask = 0
                for r, spec in enumerate(self.regions):
                    if slot.languages <= spec.languages:
                        mask |= 1 << r
                lang_cache[slot.languages] = mask
            for r in bits(mask):
                for c in by_region.get(self.regions[r].code, ()):
                    if c.start <= day <= c.end:
                        mask &= ~(1 << r)
                        break
            self.masks.append(mask)
        self.loads = self._loads(request.weekly_load) if request.weekly_load else None

    def _loads(self, weekly_load: Mapping[tuple[str, int, int], int]) -> list[list[int]]:
        codes = [r.code for r in self.regions]
        return [[weekly_load.get((c, y, w), 0) for c in codes] for (y, w) in self.weeks]

    def idx(self, code: str | None) -> int | None:
        return None if code is None else self.index.get(code)


def plan(request: PlanRequest) -> PlanResult:
    """Plan (or re-plan) the hosts and co-hosts of one course. Pure and deterministic."""
    return _plan(_Course(request))


def _plan(course: _Course) -> PlanResult:
    request = course.request
    slots = request.slots
    order = course.order
    n = len(order)
    weights = [r.weight for r in course.regions]
    locked = [slots[i].locked for i in order]
    keep = request.keep_previous

    fixed_hosts = [course.idx(slots[i].host) for i in order]
    host_prev = fixed_hosts if keep else [None] * n
    hosts = solve_role(
        fixed_hosts, locked, course.masks, host_prev, [1] * n, weights, course.loads, keep
    )

    problems: list[tuple[int, int, Problem]] = []
    for p, i in enumerate(order):
        if not locked[p] and not course.masks[p]:
            problems.append((p, 0, _problem(request, course, i, HOST, None)))

    cohosts: list[int | None] = [None] * n
    if request.cohost:
        fixed_co = [course.idx(slots[i].cohost) for i in order]
        co_masks = [
            0 if h is None else m & ~(1 << h) for m, h in zip(course.masks, hosts, strict=True)
        ]
        co_prev = fixed_co if keep else [None] * n
        # Touching the co-host of a session whose host changed anyway costs less.
        co_weight = [1 if hosts[p] != host_prev[p] else 2 for p in range(n)]
        cohosts = solve_role(
            fixed_co, locked, co_masks, co_prev, co_weight, weights, course.loads, keep
        )
        for p, i in enumerate(order):
            if not locked[p] and hosts[p] is not None and not co_masks[p]:
                host_code = course.regions[hosts[p]].code
                problems.append((p, 1, _problem(request, course, i, COHOST, host_code)))

    codes = [r.code for r in course.regions]
    by_slot: dict[int, tuple[str | None, str | None]] = {}
    for p, i in enumerate(order):
        if locked[p]:
            by_slot[i] = (slots[i].host, slots[i].cohost)
        else:
            h, c = hosts[p], cohosts[p]
            by_slot[i] = (None if h is None else codes[h], None if c is None else codes[c])
    assignments = tuple(
        Assignment(s.key, *by_slot.get(i, (s.host, s.cohost))) for i, s in enumerate(slots)
    )
    problems.sort(key=lambda x: x[:2])
    return PlanResult(assignments=assignments, problems=tuple(x[2] for x in problems))


def _problem(request: PlanRequest, course: _Course, i: int, role: str, host: str | None) -> Problem:
    slot = request.slots[i]
    detail = describe_no_region(
        slot, role, tuple(course.regions), request.closures, request.holidays, host
    )
    return Problem(key=slot.key, role=role, reason=NO_ELIGIBLE_REGION, detail=detail)


class _Sum(Mapping):
    """Two weekly-load mappings added together, without copying either."""

    def __init__(self, a: Mapping, b: Mapping) -> None:
        self.a, self.b = a, b

    def __getitem__(self, key):
        if key in self.a or key in self.b:
            return self.a.get(key, 0) + self.b.get(key, 0)
        raise KeyError(key)

    def get(self, key, default=0):
        a, b = self.a.get(key), self.b.get(key)
        if a is None and b is None:
            return default
        return (a or 0) + (b or 0)

    def __contains__(self, key) -> bool:
        return key in self.a or key in self.b

    def __iter__(self):
        yield from self.a
        yield from (k for k in self.b if k not in self.a)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return bool(self.a) or bool(self.b)


def plan_network(requests: Sequence[PlanRequest]) -> list[PlanResult]:
    """Plan several courses in order; each course sees the hosting and co-hosting duties of the
    courses planned before it as weekly load, so a region's busy weeks are spread."""
    load: dict[tuple[str, int, int], int] = {}
    results = []
    for request in requests:
        if not load:
            merged = request.weekly_load
        elif request.weekly_load:
            merged = _Sum(request.weekly_load, load)
        else:
            merged = load
        course = _Course(replace(request, weekly_load=merged))
        result = _plan(course)
        results.append(result)
        for p, i in enumerate(course.order):
            year, week = course.weeks[p]
            a = result.assignments[i]
            for code in (a.host, a.cohost):
                if code is not None:
                    load[(code, year, week)] = load.get((code, year, week), 0) + 1
    return results
