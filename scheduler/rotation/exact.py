"""Fewest back-to-back repeats, exactly, for courses small enough to search.

The local moves of :mod:`.sequence` can get stuck where two moves that each change nothing are
needed together. When a plan still has more repeats than a quick lower bound allows and the
course is small (at most ``LENGTH_LIMIT`` open slots, and the search bounded by
``WORK_LIMIT``), a dynamic programme over
(position, previous region, counts so far) finds the fewest repeats for the same counts,
changing as few slots as it can.
"""

from __future__ import annotations

from .fairness import bits

WORK_LIMIT = 60_000
LENGTH_LIMIT = 30  # longer courses rely on the local moves


def repeats_lower_bound(values: list[int | None], movable: list[int], masks: list[int]) -> int:
    """A lower bound on the repeats of any sequence with the counts of ``values``.

    Per region: its slots form runs separated by other slots; in a stretch of L consecutive
    slots it may take, k of them give at most min(k, L - k + 1) runs. Filling every stretch up
    to its best costs nothing, each further slot costs one run. Repeats = slots - runs.
    """
    n = len(values)
    allowed = [0] * n
    for p in range(n):
        if values[p] is not None:
            allowed[p] = 1 << values[p]
    for p in movable:
        allowed[p] = masks[p]
    counts: dict[int, int] = {}
    for v in values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    total = 0
    for r, c in counts.items():
        peak = free = stretch = 0
        for p in range(n + 1):
            if p < n and allowed[p] >> r & 1:
                stretch += 1
            elif stretch:
                peak += (stretch + 1) // 2
                free += stretch // 2 + 1
                stretch = 0
        runs = min(c, peak) if c <= free else peak - (c - free)
        total += max(0, c - runs)
    return total


def fewest_repeats(values: list[int | None], movable: list[int], masks: list[int]) -> bool:
    """Rearrange the movable slots (same counts, eligible regions only) to the fewest repeats,
    then the fewest slots changed. Returns False (and changes nothing) when the search would be
    too large or finds nothing better."""
    n = len(values)
    if len(movable) > LENGTH_LIMIT:
        return False
    can_move = [False] * n
    for p in movable:
        can_move[p] = True
    target: dict[int, int] = {}
    for p in movable:
        target[values[p]] = target.get(values[p], 0) + 1
    regions = sorted(target)
    slot_of = {r: i for i, r in enumerate(regions)}
    work = n
    for r in regions:
        work *= target[r] + 1
        if work > WORK_LIMIT:
            return False
    need = [target[r] for r in regions]
    # left[p][i]: movable slots from p on that region i may take.
    left = [[0] * len(regions) for _ in range(n + 1)]
    for p in range(n - 1, -1, -1):
        left[p] = left[p + 1][:]
        if can_move[p]:
            for r in bits(masks[p]):
                if r in slot_of:
                    left[p][slot_of[r]] += 1

    def current_repeats() -> int:
        return sum(1 for p in range(1, n) if values[p] is not None and values[p] == values[p - 1])

    start = (None, tuple([0] * len(regions)))
    layers: list[dict] = []
    layer = {start: (0, 0, None, None)}
    for p in range(n):
        nxt: dict = {}
        options = [r for r in bits(masks[p]) if r in slot_of] if can_move[p] else [values[p]]
        for state, (reps, changes, _, _) in layer.items():
            last, have = state
            for r in options:
                if can_move[p]:
                    i = slot_of[r]
                    if have[i] >= need[i]:
                        continue
                    have2 = (*have[:i], have[i] + 1, *have[i + 1 :])
                    if any(have2[x] + left[p + 1][x] < need[x] for x in range(len(need))):
                        continue
                    change = int(r != values[p])
                else:
                    have2, change = have, 0
                key = (r, have2)
                score = (reps + int(r is not None and r == last), changes + change, state, r)
                old = nxt.get(key)
                if old is None or score[:2] < old[:2]:
                    nxt[key] = score
        layers.append(nxt)
        layer = nxt
        if not layer:
            return False
    best_key = min(layer, key=lambda k: layer[k][:2])
    if layer[best_key][0] >= current_repeats():
        return False
    chosen = [None] * n
    key = best_key
    for p in range(n - 1, -1, -1):
        _, _, parent, r = layers[p][key]
        chosen[p] = r
        key = parent
    for p in movable:
        values[p] = chosen[p]
    return True
