"""Fewest back-to-back repeats, exactly, for a plan's counts.

The local moves of :mod:`.sequence` can get stuck where two moves that each change nothing are
needed together. When a plan still has more repeats than the quick lower bound
(:func:`repeats_lower_bound`) allows, :func:`fewest_repeats` searches exactly: a dynamic
programme over (position, previous region, counts so far) in time order, keeping only the
states that could still beat the current plan. A state's bound adds to its repeats so far, per
region, the fewest repeats the region must still make in the rest of the course with the slots
it still needs (a small table per region). The search is exact; it only gives up (changing
nothing) when the states would exceed ``STATE_LIMIT``, which the benchmark never reaches.
"""

from __future__ import annotations

from .fairness import bits

STATE_LIMIT = 200_000
INF = 1 << 30


def repeats_lower_bound(
    values: list[int | None],
    movable: list[int],
    masks: list[int],
    counts: dict[int, int] | None = None,
) -> int:
    """A lower bound on the repeats of any sequence with the counts of ``values``.

    Per region, the larger of two bounds. Its slots form runs separated by other slots; in a
    stretch of L consecutive slots it may take, k of them give at most min(k, L - k + 1) runs;
    filling every stretch up to its best costs nothing, each further slot costs one run, and
    repeats = slots - runs. And slots that only it may take (or that are fixed to it) next to
    each other repeat whatever the rest does. ``counts`` (default: those of ``values``) are the
    counts of the plans considered.
    """
    n = len(values)
    can_move = [False] * n
    for p in movable:
        can_move[p] = True
    allowed = [0] * n
    forced = [-1] * n
    for p in range(n):
        if values[p] is not None and not can_move[p]:
            allowed[p] = 1 << values[p]
            forced[p] = values[p]
    for p in movable:
        mask = allowed[p] = masks[p]
        if mask and not mask & (mask - 1):
            forced[p] = mask.bit_length() - 1
    if counts is None:
        counts = {}
        for v in values:
            if v is not None:
                counts[v] = counts.get(v, 0) + 1
    adjacent: dict[int, int] = {}
    for p in range(1, n):
        if forced[p] >= 0 and forced[p] == forced[p - 1]:
            adjacent[forced[p]] = adjacent.get(forced[p], 0) + 1
    peaks, frees = _stretches(allowed, max(counts, default=-1) + 1)
    total = 0
    for r, c in counts.items():
        peak, free = peaks[r], frees[r]
        runs = min(c, peak) if c <= free else peak - (c - free)
        total += max(0, c - runs, adjacent.get(r, 0))
    return total


def _stretches(allowed: list[int], size: int) -> tuple[list[int], list[int]]:
    """Per region below ``size``, over its stretches of consecutive slots it may take (a
    stretch of L gives at most (L + 1) // 2 runs, and takes L // 2 + 1 slots before a run must
    merge): (peak, free), the most runs it can form and the slots it can take so."""
    # rows[r]: the slots r may take as a bit set (through the slots of each distinct mask).
    at: dict[int, int] = {}
    for p, mask in enumerate(allowed):
        if mask:
            at[mask] = at.get(mask, 0) | 1 << p
    rows = [0] * max(size, max((m.bit_length() for m in at), default=0))
    for mask, slots in at.items():
        for r in bits(mask):
            rows[r] |= slots
    peak, free = [0] * size, [0] * size
    for r in range(size):
        for stretch in format(rows[r], "b").split("0"):
            if stretch:
                peak[r] += (len(stretch) + 1) // 2
                free[r] += len(stretch) // 2 + 1
    return peak, free


def repeat_caps(
    locked: list[int | None], movable: list[int], masks: list[int], counts: list[int]
) -> list[int]:
    """Per region, the most slots it may take without its own forced repeats (the first
    bound of :func:`repeats_lower_bound`) growing beyond what ``counts`` force: the ledger may
    move counts inside a course's fairness box, but not into avoidable back-to-back repeats.
    ``locked`` holds the fixed value of the positions that are not movable."""
    n = len(locked)
    allowed = [0] * n
    for p in range(n):
        if locked[p] is not None:
            allowed[p] = 1 << locked[p]
    for p in movable:
        allowed[p] = masks[p]
    peak, free = _stretches(allowed, len(counts))
    # forced(k) = max(0, k - runs(k)) grows with k: k - peak up to ``free`` slots, then by two
    # a slot. The cap is the largest k (at most n) with forced(k) <= forced(c).
    caps = []
    for r, c in enumerate(counts):
        p, f = peak[r], free[r]
        runs = min(c, p) if c <= f else p - (c - f)
        limit = max(0, c - runs)
        largest = p + limit if p + limit <= f else max(f, (p + f + limit) // 2)
        caps.append(max(c, min(n, largest)))
    return caps


def _suffix_bounds(
    r: int, need: int, values: list[int | None], can_move: list[bool], masks: list[int]
) -> list[tuple[list[int], list[int]]]:
    """table[p][last][c]: the fewest repeats region r makes on the pairs from (p - 1, p) on
    when it takes exactly c more of the movable positions from p on (fixed positions holding r
    count as its own), ``last`` telling whether position p - 1 holds r."""
    n = len(values)
    start = [0] + [INF] * need
    after = (start, start)
    table: list[tuple[list[int], list[int]]] = [after] * (n + 1)
    for p in range(n - 1, -1, -1):
        # Fixed positions holding r, and movable ones only r may take, are r's for sure.
        forced = (not can_move[p] and values[p] == r) or (can_move[p] and masks[p] == 1 << r)
        if forced or (can_move[p] and masks[p] >> r & 1):
            off, on = after
            # Taking position p: one of the c fewer from p + 1 on if it is movable.
            take = [INF, *on[:need]] if can_move[p] else on
            bumped = [t + 1 if t < INF else INF for t in take]
            if forced:
                after = (take, bumped)
            else:
                after = (
                    [a if a < t else t for a, t in zip(off, take, strict=True)],
                    [a if a < t else t for a, t in zip(off, bumped, strict=True)],
                )
        else:
            after = (after[0], after[0])
        table[p] = after
    return table


def fewest_repeats(values: list[int | None], movable: list[int], masks: list[int]) -> bool:
    """Rearrange the movable slots (same counts, eligible regions only) to the fewest repeats.
    Returns False (and changes nothing) when nothing better exists or the search would be too
    large."""
    search = _RepeatSearch(values, movable, masks)
    improved = False
    while search.fewer(values):
        improved = True
    return improved


class _RepeatSearch:
    """What the search needs that a rearrangement keeps: the counts, the fixed positions and
    the per-region bounds (computed once however many times the search improves)."""

    def __init__(self, values: list[int | None], movable: list[int], masks: list[int]) -> None:
        n = len(values)
        can_move = [False] * n
        for p in movable:
            can_move[p] = True
        target: dict[int, int] = {}
        for p in movable:
            target[values[p]] = target.get(values[p], 0) + 1
        regions = sorted(target)
        slot_of = {r: i for i, r in enumerate(regions)}
        need = [target[r] for r in regions]
        # Repeats still to come between fixed positions of regions that have no movable slot.
        fixed_after = [0] * (n + 1)
        for p in range(n - 2, -1, -1):
            same = (
                not can_move[p]
                and not can_move[p + 1]
                and values[p] is not None
                and values[p] == values[p + 1]
                and values[p] not in slot_of
            )
            fixed_after[p] = fixed_after[p + 1] + same
        self.movable = movable
        self.can_move = can_move
        self.regions = regions
        self.slot_of = slot_of
        self.need = need
        self.fixed_after = fixed_after
        self.bounds = [
            _suffix_bounds(r, need[i], values, can_move, masks) for i, r in enumerate(regions)
        ]
        self.options_at = [
            [r for r in bits(masks[p]) if r in slot_of] if can_move[p] else [values[p]]
            for p in range(n)
        ]

    def fewer(self, values: list[int | None]) -> bool:
        """One arrangement with fewer repeats than ``values`` has (depth first, the current
        region tried first at every position, states that failed remembered), or False."""
        n = len(values)
        can_move, regions, slot_of = self.can_move, self.regions, self.slot_of
        need, fixed_after, bounds, options_at = (
            self.need,
            self.fixed_after,
            self.bounds,
            self.options_at,
        )
        current = sum(
            1 for p in range(1, n) if values[p] is not None and values[p] == values[p - 1]
        )
        start = fixed_after[0] + sum(table[0][0][need[i]] for i, table in enumerate(bounds))
        if start >= current:
            return False
        chosen: list[int | None] = [None] * n
        failed: set[tuple] = set()
        budget = [STATE_LIMIT]

        def bound(p: int, r: int | None, have: list[int]) -> int:
            total = fixed_after[p]
            for j, table in enumerate(bounds):
                total += table[p + 1][regions[j] == r][need[j] - have[j]]
            return total

        def search(p: int, last: int | None, reps: int, have: list[int]) -> bool:
            if p == n:
                return True
            key = (p, last, reps, tuple(have))
            if key in failed or budget[0] <= 0:
                return False
            budget[0] -= 1
            options = options_at[p]
            if can_move[p] and len(options) > 1:
                here = values[p]
                options = sorted(
                    options, key=lambda x: (x != here, have[slot_of[x]] - need[slot_of[x]])
                )
            for r in options:
                i = slot_of.get(r) if can_move[p] else None
                if i is not None:
                    if have[i] >= need[i]:
                        continue
                    have[i] += 1
                reps2 = reps + int(r is not None and r == last)
                if reps2 + bound(p, r, have) < current:
                    chosen[p] = r
                    if search(p + 1, r, reps2, have):
                        return True
                if i is not None:
                    have[i] -= 1
            failed.add(key)
            return False

        if not search(0, None, 0, [0] * len(regions)):
            return False
        for p in self.movable:
            values[p] = chosen[p]
        return True
