"""How many sessions each region should host, and which slots may carry them.

Regions are small integers (their index in code order) and a set of regions is an int bitmask.
The slots a region may take form a bipartite graph; the count vectors it allows are the integer
points of a base polyhedron (an M-convex set). On such a set a separable convex objective is
minimised by single exchanges "one slot less for v, one more for u" (each an alternating path
in the graph), and a local optimum is global. We minimise the sorted vector of deviations
|count - share| lexicographically, the limit of sum |deviation|^p for large p, so the
pairwise rule in :func:`exchange_gain` is all the search needs.
"""

from __future__ import annotations

import itertools
import math
from bisect import insort
from collections import Counter
from functools import lru_cache
from heapq import heapify, heapreplace

EPS = 1e-9
INF = math.inf


@lru_cache(maxsize=4096)
def bits(mask: int) -> tuple[int, ...]:
    """The members of a region set, lowest index first."""
    out = []
    index = 0
    while mask:
        if mask & 1:
            out.append(index)
        mask >>= 1
        index += 1
    return tuple(out)


def shares(total: int, weights: list[float]) -> list[float]:
    """Each region's weighted share of ``total`` sessions."""
    weight_sum = sum(weights)
    return [total * w / weight_sum for w in weights]


def exchange_gain(counts: list[int], share: list[float], v: int, u: int) -> int:
    """+1 if moving one session from ``v`` to ``u`` brings the counts closer to the shares
    (the larger of the two deviations shrinks, or it ties and the smaller shrinks), 0 if the
    pair of deviations stays the same, -1 if it gets worse."""
    a, b = abs(counts[v] - share[v]), abs(counts[u] - share[u])
    old_high, old_low = (a, b) if a >= b else (b, a)
    a, b = abs(counts[v] - 1 - share[v]), abs(counts[u] + 1 - share[u])
    new_high, new_low = (a, b) if a >= b else (b, a)
    if new_high < old_high - EPS:
        return 1
    if abs(new_high - old_high) > EPS:
        return -1
    if new_low < old_low - EPS:
        return 1
    return 0 if abs(new_low - old_low) <= EPS else -1


def max_deviation(counts: list[int], share: list[float]) -> float:
    return max((abs(c - s) for c, s in zip(counts, share, strict=True)), default=0.0)


class Witness:
    """Open slots grouped by eligibility mask, and how many of each group each region takes.

    It is a feasible assignment kept up to date while the planner commits slots one by one, so
    "can region r still take this slot?" is a reachability question on a graph of regions.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.take: dict[int, list[int]] = {}
        self.held: dict[int, int] = {}  # mask -> regions taking at least one slot of it
        self._masks: list[int] = []  # the keys of ``take``, ascending
        self._out: list[int] | None = None

    def add(self, mask: int, region: int, amount: int = 1) -> None:
        row = self.take.get(mask)
        if row is None:
            row = self.take[mask] = [0] * self.size
            self.held[mask] = 0
            insort(self._masks, mask)
        before = row[region]
        row[region] = after = before + amount
        if not before or not after:
            out = self._out
            if after:
                self.held[mask] |= 1 << region
                if out is not None:
                    out[region] |= mask
            else:
                self.held[mask] &= ~(1 << region)
                if out is not None:
                    # Only this region's edges change: recompute them alone.
                    edges = 0
                    for m, r in self.take.items():
                        if r[region]:
                            edges |= m
                    out[region] = edges

    def out_edges(self) -> list[int]:
        """out[x]: regions that could take one of the slots ``x`` now takes (kept up to date
        as slots move; callers only read it)."""
        if self._out is None:
            out = [0] * self.size
            for mask, row in self.take.items():
                for x, n in enumerate(row):
                    if n:
                        out[x] |= mask
            self._out = out
        return self._out

    def path(self, source: int, targets: int, out: list[int] | None = None) -> list[int] | None:
        """A shortest chain source → … → t (t in ``targets``) of slot moves, or None."""
        out = out if out is not None else self.out_edges()
        parent = {source: -1}
        frontier = [source]
        while frontier:
            nxt = []
            for x in frontier:
                for y in bits(out[x] & ~(1 << x)):
                    if y in parent:
                        continue
                    parent[y] = x
                    if targets >> y & 1:
                        chain = [y]
                        while parent[chain[-1]] != -1:
                            chain.append(parent[chain[-1]])
                        return chain[::-1]
                    nxt.append(y)
            frontier = nxt
        return None

    def shift(self, chain: list[int]) -> None:
        """Move one slot along each hop of ``chain``: the first region takes one slot fewer,
        the last one more, the ones between the same."""
        for x, y in itertools.pairwise(chain):
            for mask in self._masks:
                row = self.take[mask]
                if row[x] and mask >> y & 1:
                    self.add(mask, x, -1)
                    self.add(mask, y)
                    break
            else:  # pragma: no cover - path() only follows existing edges
                raise AssertionError("broken chain")


def lex_optimal_counts(
    locked: list[int], masks: list[int], share: list[float]
) -> tuple[list[int], Witness]:
    """Counts (locked included) closest to ``share`` that the open ``masks`` allow, with a
    witness assignment of the open slots."""
    size = len(locked)
    counts = list(locked)
    witness = Witness(size)
    groups = Counter(masks)
    # Greedy start: most constrained groups first, each slot to the neediest region.
    for mask in sorted(groups, key=lambda m: (len(bits(m)), m)):
        members = bits(mask)
        if len(members) == 1:
            witness.add(mask, members[0], groups[mask])
            counts[members[0]] += groups[mask]
            continue
        # The neediest (largest share - count, lowest index on a tie) first, one at a time.
        need = [(counts[x] - share[x], x) for x in members]
        heapify(need)
        given = dict.fromkeys(members, 0)
        for _ in range(groups[mask]):
            r = need[0][1]
            given[r] += 1
            counts[r] += 1
            heapreplace(need, (counts[r] - share[r], r))
        for r, amount in given.items():
            if amount:
                witness.add(mask, r, amount)
    improve_counts(counts, witness, share)
    return counts, witness


def improve_counts(
    counts: list[int],
    witness: Witness,
    target: list[float],
    lo: list[int] | None = None,
    hi: list[int] | None = None,
) -> bool:
    """Move open slots between regions (along witness chains) until no single exchange brings
    the counts closer to ``target``, staying within ``lo``..``hi`` when given. On an M-convex
    set (the box keeps it one) a local optimum is global. Returns whether anything moved."""
    size = len(counts)
    moved_any = False
    for _ in range(4 * sum(counts) + 4 * size + 10):
        out = witness.out_edges()
        order = sorted(range(size), key=lambda r: (target[r] - counts[r], r))
        moved = False
        # The deviations now, with one session less and with one more (as exchange_gain).
        now = [abs(c - t) for c, t in zip(counts, target, strict=True)]
        less = [abs(c - 1 - t) for c, t in zip(counts, target, strict=True)]
        more = [abs(c + 1 - t) for c, t in zip(counts, target, strict=True)]
        for v in order:
            if not out[v] or (lo is not None and counts[v] <= lo[v]):
                continue
            gainers = 0
            v_now, v_less = now[v], less[v]
            for u in reversed(order):
                if u == v or (hi is not None and counts[u] >= hi[u]):
                    continue
                # exchange_gain(counts, target, v, u) > 0, inlined: this is the inner loop.
                u_now, u_more = now[u], more[u]
                old_high, old_low = (v_now, u_now) if v_now >= u_now else (u_now, v_now)
                new_high, new_low = (v_less, u_more) if v_less >= u_more else (u_more, v_less)
                if new_high < old_high - EPS or (
                    abs(new_high - old_high) <= EPS and new_low < old_low - EPS
                ):
                    gainers |= 1 << u
            if not gainers:
                continue
            chain = witness.path(v, gainers, out)
            if chain is None:
                continue
            witness.shift(chain)
            counts[v] -= 1
            counts[chain[-1]] += 1
            moved = moved_any = True
            break
        if not moved:
            break
    return moved_any


def fairness_box(best: list[int], share: list[float]) -> tuple[list[int], list[int]]:
    """Per-region count bounds a plan may use: within one of the share, or within the best
    plan's largest deviation when the constraints push it further. Every vector in the box is
    then no further from the shares, at its worst region, than the best plan; the freedom is
    used to keep the previous plan and to let regions behind in the ledger host first."""
    slack = max(1.0, max_deviation(best, share))
    lo = [max(0, math.ceil(s - slack - EPS)) for s in share]
    hi = [math.floor(s + slack + EPS) for s in share]
    return lo, hi
