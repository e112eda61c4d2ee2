"""Narrowing the network's balance spread once every course is placed.

The ledger's exchanges (:mod:`.network`) even the balances out on the counts, before the
sessions are placed; placing them, the co-hosts and the relief of busy weeks move a few counts
again. This last pass hands single sessions from a region ahead in the ledger to one further
behind (by more than the session is worth), the region furthest ahead first, then to the one
furthest behind: such a move never widens the spread (max - min balance) and always lowers the
sum of squared balances, so the pass ends.

A move stays inside everything the planner promises: only roles planned from scratch, and
there only co-hosting or the hosting of courses without co-hosts (a host change would move the
co-hosts' shares); the counts stay inside the course's box and repeat caps; the new region is
eligible, not the session's host, adds no back-to-back repeat, and the role's repeats stay at
the lower bound for the new counts (so still the fewest); the week it lands in is no busier
than the week it leaves, so neither the busiest week nor the average load per duty grows.

Only a network of courses is narrowed: a course planned alone keeps the counts the ledger's
exchanges chose for it. The pass moves single sessions; chains of hand-overs (a gives to b, b
to c) were tried and found nothing more on the national benchmark: the region with room to take
more is also the busiest one, and the rule on weekly load keeps it from taking more. An exact
model of the balances alone (bench/rotation_exact.py), which knows no weekly load, gets the
spread about 0.3 sessions lower.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exact import repeats_lower_bound
from .fairness import EPS
from .sequence import count_repeats
from .shares import COHOST_FACTOR

Cell = tuple[str, int, int]


class _Movable:
    """One role a session may be handed over in: its course, which role, its counts."""

    def __init__(self, course: Any, role: Any, which: int) -> None:
        self.course = course
        self.role = role
        self.step = 1.0 if which == 0 else COHOST_FACTOR
        self.counts = role.counts()
        self.index = {code: r for r, code in enumerate(course.codes)}


def narrow_spread(courses: list[Any], load: dict[Cell, int], ledger: dict[str, float]) -> None:
    """Hand sessions over until neither the region furthest ahead nor the one furthest behind
    can move. ``load`` (every duty of these courses per region-week) and ``ledger`` (the
    network's balances by region code) are kept up to date."""
    outside: Mapping[Cell, int] = courses[0].request.weekly_load
    by_region: dict[str, list[_Movable]] = {}
    for course in courses:
        for which, role in enumerate((course.host_role, course.co_role)):
            if role is None or not role.fresh or (which == 0 and course.co_role is not None):
                continue
            item = _Movable(course, role, which)
            for code in course.codes:
                by_region.setdefault(code, []).append(item)
    if not by_region:
        return
    for _ in range(4 * sum(len(c.order) for c in courses)):
        ranked = sorted(by_region, key=lambda c: (ledger.get(c, 0.0), c))
        if not (
            _move(ranked[-1], by_region, ledger, load, outside, giver=True)
            or _move(ranked[0], by_region, ledger, load, outside, giver=False)
        ):
            return


def _move(end, by_region, ledger, load, outside, giver: bool) -> bool:
    """Hand one session from ``end`` (giver) to the furthest-behind region that may take it,
    or to ``end`` (taker) from the furthest-ahead region that may give one. True if done."""
    balance = ledger.get(end, 0.0)
    best = None
    for item in by_region[end]:
        role, course, counts, step = item.role, item.course, item.counts, item.step
        lo, hi = role.state.lo, role.state.hi
        here = item.index[end]
        partners = []
        for r, code in enumerate(course.codes):
            gap = balance - ledger.get(code, 0.0) if giver else ledger.get(code, 0.0) - balance
            if r == here or gap <= step + EPS:
                continue
            a, b = (here, r) if giver else (r, here)
            if counts[a] - 1 >= lo[a] and counts[b] + 1 <= hi[b]:
                partners.append((ledger.get(code, 0.0) if giver else -ledger.get(code, 0.0), r))
        if not partners:
            continue
        found = _slot(item, partners, here, giver, load, outside)
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], item, found[1], found[2], found[3])
    if best is None:
        return False
    _, item, p, a, b = best
    role, course = item.role, item.course
    codes, week = course.codes, course.weeks[p]
    role.values[p] = b
    item.counts[a] -= 1
    item.counts[b] += 1
    old, new = (codes[a], *week), (codes[b], *week)
    load[old] -= 1
    load[new] = load.get(new, 0) + 1
    ledger[codes[a]] = ledger.get(codes[a], 0.0) - item.step
    ledger[codes[b]] = ledger.get(codes[b], 0.0) + item.step
    return True


def _slot(item, partners, here, giver, load, outside):
    """The best slot of the role for the move: (key, position, from, to), or None."""
    role, course = item.role, item.course
    values, masks, codes, weeks = role.values, role.masks, course.codes, course.weeks
    n = len(values)
    repeats = None
    bounds: dict[tuple[int, int], int] = {}
    best = None
    for rank, r in sorted(partners):
        a, b = (here, r) if giver else (r, here)
        for p in role.open_pos:
            if values[p] != a or not masks[p] >> b & 1:
                continue
            left = values[p - 1] if p > 0 else None
            right = values[p + 1] if p + 1 < n else None
            if b in (left, right):
                continue  # a new back-to-back repeat
            cell, leaves = (codes[b], *weeks[p]), (codes[a], *weeks[p])
            level = load.get(cell, 0) + outside.get(cell, 0) + 1
            if level > load[leaves] + outside.get(leaves, 0):
                continue  # the week it lands in may be no busier than the one it leaves
            if repeats is None:
                repeats = count_repeats(values)
            after = repeats - (left == a) - (right == a)
            if after:
                bound = bounds.get((a, b))
                if bound is None:
                    counts = dict(enumerate(item.counts))
                    counts[a] -= 1
                    counts[b] += 1
                    bound = repeats_lower_bound(values, role.open_pos, masks, counts)
                    bounds[(a, b)] = bound
                if after > bound:
                    continue
            key = (rank, level, p)
            if best is None or key < best[0]:
                best = (key, p, a, b)
        if best is not None:
            return best  # the partners are in order: the first that may move is the best
    return best
