"""Putting the agreed counts in time order: week-by-week rotation without repeats.

:func:`fill_in_order` walks the open slots in time order and gives each to the region that is
most behind its remaining quota (relative to the slots it can still take), never one that would
make the rest impossible (checked on the :class:`~.fairness.Witness`), avoiding the neighbours'
region, and among near-equal candidates preferring the one less loaded that week in other
courses. :func:`fix_repeats` then removes remaining back-to-back repeats with swaps and Kempe
chains on the timeline; :func:`spread_load` swaps slots to relieve weeks that are busy in other
courses without adding repeats.
"""

from __future__ import annotations

from collections.abc import Sequence

from .fairness import Witness, bits, exchange_gain


def fill_in_order(
    values: list[int | None],
    todo: list[int],
    masks: list[int],
    witness: Witness,
    loads: Sequence[Sequence[int]] | None,
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
    groups: dict[int, int] = {}
    for p in todo:
        groups[masks[p]] = groups.get(masks[p], 0) + 1
    for mask, count in groups.items():
        for r in bits(mask):
            eligible_left[r] += count
    positive = 0
    for r, k in enumerate(quota):
        if k:
            positive |= 1 << r
    for p in todo:
        mask = masks[p]
        row = witness.take[mask]
        holders = witness.held[mask]
        # Regions that can take this slot and still leave a feasible rest: those that hold a
        # slot of this group, or can pass one of theirs along a chain to such a holder.
        out = None
        feasible = holders
        grown = mask & positive != holders
        if grown:
            out = witness.out_edges()
        while grown:
            grown = False
            for x in bits(positive & ~feasible):  # only regions holding slots pass one on
                if out[x] & feasible:
                    feasible |= 1 << x
                    grown = True
        candidates = bits(mask & feasible)
        if len(candidates) == 1:
            choice = candidates[0]
        else:
            left = values[p - 1] if p > 0 else None
            right = None
            if p + 1 < n:
                right = values[p + 1]
                following = masks[p + 1]
                if right is None and following and not following & (following - 1):
                    right = following.bit_length() - 1  # the next slot has no choice: as set
            choice = _choose(p, candidates, left, right, quota, eligible_left, loads, prev)
        if row[choice]:
            witness.add(mask, choice, -1)
        else:
            chain = witness.path(choice, holders, out)
            assert chain is not None
            witness.shift(chain)
            witness.add(mask, chain[-1], -1)
        quota[choice] -= 1
        if not quota[choice]:
            positive &= ~(1 << choice)
        values[p] = choice
        for r in bits(mask):
            eligible_left[r] -= 1


def _choose(
    p: int,
    candidates: tuple[int, ...],
    left: int | None,
    right: int | None,
    quota: list[int],
    eligible_left: list[int],
    loads: Sequence[Sequence[int]] | None,
    prev: list[int | None] | None,
) -> int:
    """The region for position ``p``: no repeat with a neighbour if possible, then the previous
    plan's region, then (among regions within one session of the most urgent) the least loaded
    that week, then the most urgent, then the lowest code."""
    # The fewest repeats with the neighbours: with none possible, every candidate is a
    # neighbour's region and repeats once (or it is the one candidate, both neighbours').
    pool = [r for r in candidates if r != left and r != right] or list(candidates)
    if len(pool) == 1:
        return pool[0]
    if prev is not None and prev[p] in pool:
        return prev[p]
    best = pool[0]
    qb, eb = quota[best], eligible_left[best]
    for r in pool[1:]:
        if quota[r] * eb > qb * eligible_left[r]:
            best, qb, eb = r, quota[r], eligible_left[r]
    if not loads:
        return best
    load = loads[p]
    choice, choice_key = best, (load[best], -qb / eb, best)
    for r in pool:
        qr, er = quota[r], eligible_left[r]
        if (qr + 1) * eb >= qb * er:  # within one session of the most urgent
            key = (load[r], -qr / er, r)
            if key < choice_key:
                choice, choice_key = r, key
    return choice


def count_repeats(values: list[int | None]) -> int:
    return sum(
        1 for i in range(1, len(values)) if values[i] is not None and values[i] == values[i - 1]
    )


def fix_repeats(
    values: list[int | None],
    movable: list[int],
    masks: list[int],
    counts: list[int],
    lo: list[int],
    hi: list[int],
    share: list[float],
    cost: list[list[int]] | None = None,
    max_cost: int | None = None,
    old: list[int | None] | None = None,
) -> None:
    """Remove back-to-back repeats with local moves, each removing at least one repeat.

    Moves: swap the regions of two slots; or exchange regions a and b over a run of consecutive
    slots (a Kempe chain on the timeline), which keeps the repeats inside the run and changes
    only its two ends. A run that is not balanced between a and b moves one session between
    them, allowed when the counts stay in the box and get no further from the shares.
    Among the fixes the one that changes least (``cost[p][r]``, at most ``max_cost``) wins.
    When re-planning, a repeat the previous plan (``old``) already had is left alone: the
    planners have seen it, and fixing it would change sessions the new constraint didn't touch.
    """
    n = len(values)
    can_move = [False] * n
    for p in movable:
        can_move[p] = True

    def rep(i: int, left: int | None, right: int | None) -> int:
        """Does the pair (i - 1, i) count as a repeat with these two values?"""
        if not 0 < i < n or right is None or left != right:
            return 0
        return int(old is None or not old[i] == old[i - 1] == right)

    def value(i: int) -> int | None:
        return values[i] if 0 <= i < n else None

    def balance_ok(a: int, b: int, diff: int) -> bool:
        if diff == 0:
            return True
        if diff == -1:
            a, b = b, a
        elif diff != 1:
            return False
        return (
            counts[a] - 1 >= lo[a]
            and counts[b] + 1 <= hi[b]
            and exchange_gain(counts, share, a, b) >= 0
        )

    def runs(i: int, a: int, step: int) -> list[tuple[tuple, list[int], int]]:
        """Exchanges of a with another region over runs that start at ``i`` and go ``step``."""
        found = []
        for b in bits(masks[i]):
            if b == a:
                continue
            swap = {a: b, b: a}
            diff = extra = 0
            q = i
            members: list[int] = []
            while 0 <= q < n:
                v = values[q]
                if v != a and v != b:
                    q += step
                    continue
                other = swap[v]
                if not can_move[q] or not masks[q] >> other & 1:
                    break
                diff += 1 if v == a else -1
                if cost is not None:
                    extra += cost[q][other] - cost[q][v]
                members.append(q)
                if balance_ok(a, b, diff):
                    first, last = (i, q) if step > 0 else (q, i)
                    before = rep(first, value(first - 1), values[first]) + rep(
                        last + 1, values[last], value(last + 1)
                    )
                    after = rep(first, value(first - 1), swap[values[first]]) + rep(
                        last + 1, swap[values[last]], value(last + 1)
                    )
                    if after < before:
                        found.append(((after - before, extra, len(members), first), members[:], b))
                q += step
        return found

    def around(p: int, v: int) -> int:
        """Repeats on the two pairs touching p if p held v."""
        if old is None:  # the fast path of the common case, planning from scratch
            return (p > 0 and values[p - 1] == v) + (p + 1 < n and values[p + 1] == v)
        return rep(p, value(p - 1), v) + rep(p + 1, v, value(p + 1))

    for _ in range(2 * n + 2):
        best = None
        where: dict[int | None, list[int]] = {}  # region -> its movable slots, in time order
        for k in movable:
            where.setdefault(values[k], []).append(k)
        for i in range(1, n):
            a = values[i]
            if not rep(i, values[i - 1], a):
                continue
            for j, step in ((i, 1), (i - 1, -1)):
                if not can_move[j] or masks[j] == 1 << a:
                    continue
                for key, members, b in runs(j, a, step):
                    if max_cost is not None and key[1] > max_cost:
                        continue
                    if best is None or key < best[0]:
                        best = (key, [(p, b if values[p] == a else a) for p in members])
                for b in bits(masks[j]):
                    if b == a:
                        continue
                    here = around(j, b) - around(j, a)  # what the swap does at j
                    if here >= 2:
                        continue
                    for k in where.get(b, ()):
                        if not masks[k] >> a & 1 or abs(k - j) <= 1:
                            continue
                        change = here + around(k, a) - around(k, b)
                        if change >= 0:
                            continue
                        extra = 0
                        if cost is not None:
                            extra = cost[j][b] - cost[j][a] + cost[k][a] - cost[k][b]
                            if max_cost is not None and extra > max_cost:
                                continue
                        key = (change, extra, 2, min(j, k))
                        if best is None or key < best[0]:
                            best = (key, [(j, b), (k, a)])
        if best is None:
            return
        for p, r in best[1]:
            counts[values[p]] -= 1
            counts[r] += 1
            values[p] = r


def spread_load(
    values: list[int | None],
    movable: list[int],
    masks: list[int],
    loads: Sequence[Sequence[int]],
) -> None:
    """Swap the regions of two slots when that lowers the load of other courses in the weeks
    concerned without adding a back-to-back repeat. Counts don't change, so neither does
    fairness. One pass, best swap per slot: cheap, and enough to undo most of the greedy's
    myopic choices."""
    n = len(values)
    where: dict[int, list[int]] = {}
    for p in movable:
        where.setdefault(values[p], []).append(p)

    def adjacent_ok(j: int, k: int) -> bool:
        """May the neighbours j and k trade regions? Only the outer pairs change."""
        lo, hi = min(j, k), max(j, k)
        left = values[lo - 1] if lo > 0 else None
        right = values[hi + 1] if hi + 1 < n else None
        before = (left == values[lo]) + (values[hi] == right)
        return (left == values[hi]) + (values[lo] == right) <= before

    for j in movable:
        a = values[j]
        row = loads[j]
        here = row[a]
        if not here:
            continue
        options = []
        bit = 1 << a
        for b in bits(masks[j]):
            if b == a or row[b] >= here:
                continue
            base = here - row[b]
            for k in where.get(b, ()):
                if masks[k] & bit:
                    other = loads[k]
                    gain = other[a] - other[b] - base
                    if gain < 0:
                        options.append((gain, k, b))
        if not options:
            continue
        options.sort()
        left = values[j - 1] if j > 0 else None
        right = values[j + 1] if j + 1 < n else None
        for _, k, b in options:
            # Giving j (now a) region b and k (now b) region a may not add a repeat.
            if abs(j - k) == 1:
                if not adjacent_ok(j, k):
                    continue
            else:
                before_k = values[k - 1] if k > 0 else None
                after_k = values[k + 1] if k + 1 < n else None
                before = (left == a) + (right == a) + (before_k == b) + (after_k == b)
                if (left == b) + (right == b) + (before_k == a) + (after_k == a) > before:
                    continue
            values[j], values[k] = b, a
            where[a].remove(j)
            where[a].append(k)
            where[b].remove(k)
            where[b].append(j)
            break
