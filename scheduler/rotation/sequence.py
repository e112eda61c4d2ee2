"""Putting the agreed counts in time order: week-by-week rotation without repeats.

:func:`fill_in_order` walks the open slots in time order and gives each to the region that is
most behind its remaining quota (relative to the slots it can still take), never one that would
make the rest impossible (checked on the :class:`~.fairness.Witness`), avoiding the neighbours'
region, and among near-equal candidates preferring the one less loaded that week in other
courses. :func:`fix_repeats` then removes any remaining back-to-back repeat that a swap of two
slots, or one move that keeps the counts fair, can remove.
"""

from __future__ import annotations

from .fairness import Witness, bits, exchange_gain


def fill_in_order(
    values: list[int | None],
    todo: list[int],
    masks: list[int],
    witness: Witness,
    loads: list[list[int]] | None,
    prev: list[int | None] | None,
) -> None:
    """Give every position in ``todo`` (ascending) a region, using up the witness exactly."""
    size = witness.size
    n = len(values)
    quota = [0] * size
    for row in witness.take.values():
        for r, k in enumerate(row):
            quota[r] += k
    eligible_left = [0] * size
    for p in todo:
        for r in bits(masks[p]):
            eligible_left[r] += 1
    for p in todo:
        mask = masks[p]
        row = witness.take[mask]
        holders = 0
        for a, k in enumerate(row):
            if k:
                holders |= 1 << a
        # Regions that can take this slot and still leave a feasible rest: those that hold a
        # slot of this group, or can pass one of theirs along a chain to such a holder.
        out = witness.out_edges()
        feasible = holders
        grown = True
        while grown:
            grown = False
            for x in range(size):
                if not feasible >> x & 1 and out[x] & feasible:
                    feasible |= 1 << x
                    grown = True
        candidates = bits(mask & feasible)
        left = values[p - 1] if p > 0 else None
        right = values[p + 1] if p + 1 < n else None
        repeat = {r: int(r == left) + int(r == right) for r in candidates}
        fewest = min(repeat.values())
        pool = [r for r in candidates if repeat[r] == fewest]
        if prev is not None and prev[p] in pool:
            choice = prev[p]
        else:
            best = max(pool, key=lambda r: (quota[r] / eligible_left[r], -r))
            qb, eb = quota[best], eligible_left[best]

            def key(r: int, qb: int = qb, eb: int = eb) -> tuple:
                # Within one session of the most urgent region counts as equally good.
                near = (quota[r] + 1) * eb >= qb * eligible_left[r]
                load = loads[p][r] if loads else 0
                return (not near, load, -quota[r] / eligible_left[r], r)

            choice = min(pool, key=key)
        if row[choice]:
            row[choice] -= 1
        else:
            chain = witness.path(choice, holders, out)
            assert chain is not None
            witness.shift(chain)
            row[chain[-1]] -= 1
        quota[choice] -= 1
        values[p] = choice
        for r in bits(mask):
            eligible_left[r] -= 1


def count_repeats(values: list[int | None]) -> int:
    return sum(1 for i in range(1, len(values)) if values[i] is not None and values[i] == values[i - 1])


def fix_repeats(
    values: list[int | None],
    movable: list[int],
    masks: list[int],
    counts: list[int],
    lo: list[int],
    hi: list[int],
    share: list[float],
    cost: list[list[int]] | None,
) -> None:
    """Remove back-to-back repeats by swapping two slots' regions, or by moving one slot when
    that keeps the counts within the box and no further from the shares. Each step removes at
    least one repeat; among the fixes the one that changes least (``cost[p][r]``) wins."""
    n = len(values)
    can_move = [False] * n
    for p in movable:
        can_move[p] = True

    def reps_at(pairs: set[int]) -> int:
        return sum(
            1 for i in pairs if 0 < i < n and values[i] is not None and values[i] == values[i - 1]
        )

    def delta(changes: list[tuple[int, int]]) -> tuple[int, int]:
        pairs = set()
        for p, _ in changes:
            pairs.add(p)
            pairs.add(p + 1)
        before = reps_at(pairs)
        old = [(p, values[p]) for p, _ in changes]
        extra = 0
        for p, r in changes:
            if cost is not None:
                extra += cost[p][r] - cost[p][values[p]]
            values[p] = r
        after = reps_at(pairs)
        for p, r in old:
            values[p] = r
        return after - before, extra

    for _ in range(n + 1):
        repeats = [i for i in range(1, n) if values[i] is not None and values[i] == values[i - 1]]
        best = None
        for i in repeats:
            for j in (i - 1, i):
                if not can_move[j]:
                    continue
                a = values[j]
                for b in bits(masks[j]):
                    if b == a:
                        continue
                    if (
                        counts[a] - 1 >= lo[a]
                        and counts[b] + 1 <= hi[b]
                        and exchange_gain(counts, share, a, b) >= 0
                    ):
                        d = delta([(j, b)])
                        if d[0] < 0 and (best is None or (d, j) < best[0]):
                            best = ((d, j), [(j, b)])
                    for k in movable:
                        if k == j or values[k] != b or not masks[k] >> a & 1:
                            continue
                        d = delta([(j, b), (k, a)])
                        if d[0] < 0 and (best is None or (d, j, k) < best[0]):
                            best = ((d, j, k), [(j, b), (k, a)])
        if best is None:
            return
        for p, r in best[1]:
            counts[values[p]] -= 1
            counts[r] += 1
            values[p] = r
