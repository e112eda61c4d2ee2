"""Lowering the network's busiest weeks: a region's duties across all courses in one week.

After every course is placed, the busiest region-weeks are relieved one at a time by swapping
two slots of one role in one course (region a takes the other's week and the other takes a's),
or by exchanging two regions over the stretch of slots they alternate on: every count stays
the same, so neither the course's fairness nor the ledger moves; no move adds a back-to-back
repeat, makes a co-host equal the host, or raises another region-week to the peak. When no
such move is left, a slot may change hands (one session less for the busy region, one more for
the region furthest behind in the ledger) inside the course's box. It stops when a week at the
peak cannot be relieved. Only roles planned from scratch are touched: re-planning changes as
few sessions as it can.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fairness import bits

Cell = tuple[str, int, int]
DEPTH = 8


def _repeats_near(values: list[int | None], spots: tuple[int, ...]) -> int:
    """Back-to-back repeats on the pairs touching ``spots``."""
    n = len(values)
    pairs = set()
    for p in spots:
        if p > 0:
            pairs.add(p)
        if p + 1 < n:
            pairs.add(p + 1)
    return sum(1 for i in pairs if values[i] is not None and values[i] == values[i - 1])


class _Duties:
    """Where the movable duties of the busy region-weeks (``hot``) are: cell → [(course, role,
    position)]. Duties moved into other cells are added as they move."""

    def __init__(self, courses: list[Any], hot: set[Cell]) -> None:
        self.courses = courses
        self.cells: dict[Cell, list[tuple[int, int, int]]] = {}
        busy: dict[tuple[int, int], set[str]] = {}  # week -> its hot regions
        for code, y, w in hot:
            busy.setdefault((y, w), set()).add(code)
        nobody: set[str] = set()
        for k, course in enumerate(courses):
            for which, role in enumerate((course.host_role, course.co_role)):
                if role is None or not role.fresh:
                    continue
                values, codes, course_weeks = role.values, course.codes, course.weeks
                for p in role.open_pos:
                    week = course_weeks[p]
                    code = codes[values[p]]
                    if code in busy.get(week, nobody):
                        self.add((code, *week), (k, which, p))

    def add(self, cell: Cell, duty: tuple[int, int, int]) -> None:
        self.cells.setdefault(cell, []).append(duty)

    def remove(self, cell: Cell, duty: tuple[int, int, int]) -> None:
        found = self.cells.get(cell)
        if found is None or duty not in found:
            return  # a cell too far below the peak to be listed
        found.remove(duty)
        if not found:
            del self.cells[cell]


def relieve_peaks(
    courses: list[Any], load: dict[Cell, int], ledger: dict[str, float] | None = None
) -> None:
    """``load``: every duty of these courses per region-week (kept up to date); the first
    course's ``request.weekly_load`` adds the duties outside them. With the network's
    ``ledger`` (balances, kept up to date) a slot may also change hands where that leaves the
    ledger no less even."""
    outside: Mapping[Cell, int] = courses[0].request.weekly_load

    def level(cell: Cell) -> int:
        return load.get(cell, 0) + outside.get(cell, 0)

    top = max((level(cell) for cell in load), default=0)
    # A week can only be relieved into one at least two below it: cells more than DEPTH below
    # the peak are never the busiest before the search stops.
    hot = {cell for cell in load if level(cell) >= top - DEPTH}
    duties = _Duties(courses, hot)
    if not duties.cells:
        return

    def relieve(cell: Cell, peak: int) -> bool:
        """Swaps and exchanges first, for any duty of the week; a hand-over only if none."""
        for passing in (None, ledger) if ledger is not None else (None,):
            for duty in list(duties.cells.get(cell, ())):
                if _relieve(courses, duties, load, level, duty, peak, passing):
                    return True
        return False

    for _ in range(len(duties.cells) * 4 + 10):
        peak = max(level(cell) for cell in duties.cells)
        if peak <= max(1, top - DEPTH):
            return
        busiest = sorted(cell for cell in duties.cells if level(cell) == peak)
        for cell in busiest:
            if not relieve(cell, peak):
                return


def _relieve(courses, duties, load, level, duty, peak, ledger=None) -> bool:
    """Move the duty's region out of this week inside its course and role, keeping every
    count: swap its slot with another slot of another region, or exchange the two regions
    over the whole stretch of slots they alternate on. With ``ledger``, instead hand the slot
    to another region (see :func:`_hand_over`). True if done."""
    k, which, p = duty
    course = courses[k]
    role = course.host_role if which == 0 else course.co_role
    other = course.cohosts if which == 0 else course.hosts
    values, masks = role.values, role.masks
    a = values[p]
    codes, weeks = course.codes, course.weeks
    cohosted = which == 0 and course.co_role is not None
    movable = set(role.open_pos)

    def allowed(pos: int, region: int) -> bool:
        return (
            pos in movable
            and masks[pos] >> region & 1
            and other[pos] != region
            and (not cohosted or course.sharers[pos] == course.sharers[p])
        )

    def cost(changes: list[tuple[int, int]]) -> tuple | None:
        """(highest new level, total) of the weeks that gain a duty, or None if one of them
        would reach the peak."""
        delta: dict[Cell, int] = {}
        for pos, new in changes:
            old = values[pos]
            delta[(codes[old], *weeks[pos])] = delta.get((codes[old], *weeks[pos]), 0) - 1
            delta[(codes[new], *weeks[pos])] = delta.get((codes[new], *weeks[pos]), 0) + 1
        worst = total = 0
        for cell, d in delta.items():
            if d > 0:
                after = level(cell) + d
                if after >= peak:
                    return None
                worst, total = max(worst, after), total + after
        return worst, total

    best = None
    week_p = weeks[p]
    code_a = codes[a]
    # allowed(p, b) for every b, and allowed(q, a) inlined for the open q: the inner loop.
    takers = 0
    for b in bits(masks[p]) if p in movable else ():
        if allowed(p, b):
            takers |= 1 << b
    sharers, bit_a = course.sharers, 1 << a
    for q in () if ledger is not None or not takers else role.open_pos:
        b = values[q]
        week_q = weeks[q]
        if (
            b == a
            or week_q == week_p
            or not takers >> b & 1
            or not masks[q] & bit_a
            or other[q] == a
            or (cohosted and sharers[q] != sharers[p])
        ):
            continue
        # The two weeks that gain a duty: b's in p's week and a's in q's week.
        gain_b = level((codes[b], *week_p)) + 1
        if gain_b >= peak:
            continue
        gain_a = level((code_a, *week_q)) + 1
        if gain_a >= peak:
            continue
        before = _repeats_near(values, (p, q))
        values[p], values[q] = b, a
        after = _repeats_near(values, (p, q))
        values[p], values[q] = a, b
        if after > before:
            continue
        key = (max(gain_a, gain_b), gain_a + gain_b, abs(q - p), q)
        if best is None or key < best[0]:
            best = (key, [(p, b), (q, a)])
    if best is None and ledger is None:
        best = _flip(values, masks, p, a, allowed, cost)
    if best is None and ledger is not None:
        best = _hand_over(course, role, which, values, masks, p, a, allowed, cost, ledger)
    if best is None:
        return False
    for pos, new in best[1]:
        old = values[pos]
        old_cell, new_cell = (codes[old], *weeks[pos]), (codes[new], *weeks[pos])
        duties.remove(old_cell, (k, which, pos))
        duties.add(new_cell, (k, which, pos))
        load[old_cell] -= 1
        load[new_cell] = load.get(new_cell, 0) + 1
        values[pos] = new
        if cohosted:
            course.co_masks[pos] = course.masks[pos] & ~(1 << new)
    return True


def _hand_over(course, role, which, values, masks, p, a, allowed, cost, ledger) -> tuple | None:
    """Give the slot to another region outright: one session less for a, one more for b.
    Only where the counts stay inside the course's box (and repeat caps), neither balance
    leaves the range of the network's balances (the ledger's spread does not grow), no repeat
    is added, and no co-host's share moves (co-hosting, or hosting a course without co-hosts).
    """
    if role.state is None or (which == 0 and course.co_role is not None):
        return None
    counts = role.counts()
    lo, hi = role.state.lo, role.state.hi
    if counts[a] - 1 < lo[a]:
        return None
    step = 1.0 if which == 0 else 0.5
    codes = course.codes
    floor, ceiling = min(ledger.values()), max(ledger.values())
    best = None
    for b in bits(masks[p]):
        if b == a or counts[b] + 1 > hi[b] or not allowed(p, b):
            continue
        high, low = ledger.get(codes[a], 0.0), ledger.get(codes[b], 0.0)
        # The ledger's spread may grow only when nothing else relieves the week, and then by
        # as little as it can: the region furthest behind takes the slot.
        grows = max(0.0, floor - (high - step)) + max(0.0, low + step - ceiling)
        found = cost([(p, b)])
        if found is None:
            continue
        before = _repeats_near(values, (p,))
        values[p] = b
        after = _repeats_near(values, (p,))
        values[p] = a
        if after > before:
            continue
        if best is None or (grows, low, *found, b) < best[0]:
            best = ((grows, low, *found, b), [(p, b)])
    if best is not None:
        b = best[1][0][1]
        ledger[codes[a]] = ledger.get(codes[a], 0.0) - step
        ledger[codes[b]] = ledger.get(codes[b], 0.0) + step
    return best


def _flip(values, masks, p, a, allowed, cost) -> tuple | None:
    """Exchange a and another region b over the whole stretch of consecutive slots holding a
    or b around ``p`` (a Kempe chain on the timeline): repeats stay the same inside it and at
    its ends; counts stay the same when the stretch holds as many of each."""
    n = len(values)
    best = None
    for b in bits(masks[p]):
        if b == a:
            continue
        lo = hi = p
        while lo > 0 and values[lo - 1] in (a, b):
            lo -= 1
        while hi + 1 < n and values[hi + 1] in (a, b):
            hi += 1
        span = range(lo, hi + 1)
        if sum(1 if values[q] == a else -1 for q in span):
            continue
        changes = [(q, b if values[q] == a else a) for q in span]
        if not all(allowed(q, new) for q, new in changes):
            continue
        found = cost(changes)
        if found is not None and (best is None or (*found, b) < best[0]):
            best = ((*found, b), changes)
    return best
