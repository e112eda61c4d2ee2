"""Lowering the network's busiest weeks: a region's duties across all courses in one week.

After every course is placed, the busiest region-weeks are relieved one at a time by swapping
two slots of one role in one course (region a takes the other's week and the other takes a's):
every count stays the same, so neither the course's fairness nor the ledger moves; no swap adds
a back-to-back repeat, makes a co-host equal the host, or raises another region-week to the
peak. It stops when a week at the peak cannot be relieved. Only roles planned from scratch are
touched: re-planning changes as few sessions as it can.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Cell = tuple[str, int, int]


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
    """Where each movable duty is: region-week → [(course, role, position)]."""

    def __init__(self, courses: list[Any]) -> None:
        self.courses = courses
        self.cells: dict[Cell, list[tuple[int, int, int]]] = {}
        for k, course in enumerate(courses):
            for which, role in enumerate((course.host_role, course.co_role)):
                if role is None or not role.fresh:
                    continue
                for p in role.open_pos:
                    self.add((course.codes[role.values[p]], *course.weeks[p]), (k, which, p))

    def add(self, cell: Cell, duty: tuple[int, int, int]) -> None:
        self.cells.setdefault(cell, []).append(duty)

    def remove(self, cell: Cell, duty: tuple[int, int, int]) -> None:
        found = self.cells[cell]
        found.remove(duty)
        if not found:
            del self.cells[cell]


def relieve_peaks(courses: list[Any], load: dict[Cell, int]) -> None:
    """``load``: every duty of these courses per region-week (kept up to date); each course's
    ``request.weekly_load`` adds the duties outside them."""
    duties = _Duties(courses)
    if not duties.cells:
        return
    outside: Mapping[Cell, int] = courses[0].request.weekly_load

    def level(cell: Cell) -> int:
        return load.get(cell, 0) + outside.get(cell, 0)

    for _ in range(len(duties.cells) * 4 + 10):
        peak = max(level(cell) for cell in duties.cells)
        if peak <= 1:
            return
        busiest = sorted(cell for cell in duties.cells if level(cell) == peak)
        for cell in busiest:
            if not any(_relieve(courses, duties, load, level, duty, peak)
                       for duty in list(duties.cells.get(cell, ()))):  # fmt: skip
                return


def _relieve(courses, duties, load, level, duty, peak) -> bool:
    """Swap the duty's slot with another slot of the same role and course so that its region
    leaves this week; True if done."""
    k, which, p = duty
    course = courses[k]
    role = course.host_role if which == 0 else course.co_role
    other = course.cohosts if which == 0 else course.hosts
    values, masks = role.values, role.masks
    a = values[p]
    codes, weeks = course.codes, course.weeks
    cohosted = which == 0 and course.co_role is not None
    best = None
    for q in role.open_pos:
        b = values[q]
        if b == a or weeks[q] == weeks[p]:
            continue
        if not (masks[p] >> b & 1 and masks[q] >> a & 1):
            continue
        if other[p] == b or other[q] == a:
            continue
        if cohosted and course.sharers[p] != course.sharers[q]:
            continue  # the co-hosts' shares would move
        gain_b = level((codes[b], *weeks[p])) + 1
        gain_a = level((codes[a], *weeks[q])) + 1
        if gain_b >= peak or gain_a >= peak:
            continue
        before = _repeats_near(values, (p, q))
        values[p], values[q] = b, a
        after = _repeats_near(values, (p, q))
        values[p], values[q] = a, b
        if after > before:
            continue
        key = (max(gain_a, gain_b), gain_a + gain_b, abs(q - p), q)
        if best is None or key < best[0]:
            best = (key, q, b)
    if best is None:
        return False
    _, q, b = best
    values[p], values[q] = b, a
    for pos, old, new in ((p, a, b), (q, b, a)):
        old_cell, new_cell = (codes[old], *weeks[pos]), (codes[new], *weeks[pos])
        duties.remove(old_cell, (k, which, pos))
        duties.add(new_cell, (k, which, pos))
        load[old_cell] -= 1
        load[new_cell] = load.get(new_cell, 0) + 1
    if cohosted:
        full = course.masks
        course.co_masks[p] = full[p] & ~(1 << b)
        course.co_masks[q] = full[q] & ~(1 << a)
    return True
