"""Re-planning: keep every previous choice that is still allowed and change as few as possible.

This is a small min-cost flow. Slots keep their previous region where it is still eligible (cost
0); the rest must move (cost ``weight``). Counts must end inside the fairness box. Free slots are
placed, and over- or under-full regions are relieved, along cheapest chains of slot moves found
with Bellman-Ford on the graph of regions (a handful of nodes), so every step stays optimal.
"""

from __future__ import annotations

from collections.abc import Sequence

from .fairness import INF, bits

Cost = tuple[float, int, tuple]


def keep_assign(
    values: list[int | None],
    open_pos: list[int],
    masks: list[int],
    prev: list[int | None],
    weight: list[int],
    counts: list[int],
    lo: list[int],
    hi: list[int],
    share: list[float],
    loads: Sequence[Sequence[int]] | None,
    avoid: list[int | None] | None = None,
) -> bool:
    """Fill ``values`` at ``open_pos`` (``counts`` holds the locked counts and is updated).

    ``avoid[p]`` (the session's co-host, when re-planning hosts) is a region that would upset
    the other role if it took slot p: among equally few changes, those moves lose.
    Returns False when the box could not be reached, and the caller then plans from scratch.
    """
    # Far below one change: upsetting the co-hosts only breaks ties between equal changes.
    upset = 1.0 / (2 * len(values) + 2)
    size = len(counts)
    n = len(values)
    at: dict[int, int] = {}
    free = []
    for p in open_pos:
        r = prev[p]
        if r is not None and masks[p] >> r & 1:
            at[p] = r
            values[p] = r
            counts[r] += 1
        else:
            free.append(p)

    def cost(p: int, r: int) -> float:
        extra = upset if avoid is not None and avoid[p] == r else 0.0
        return (0 if r == prev[p] else weight[p]) + extra

    def creates_repeat(p: int, r: int) -> int:
        return int(p > 0 and values[p - 1] == r) + int(p + 1 < n and values[p + 1] == r)

    def edges() -> dict[tuple[int, int], tuple[int, int, int]]:
        """Cheapest single-slot move from region a to region b: (cost, new repeats, slot)."""
        table: dict[tuple[int, int], tuple[int, int, int]] = {}
        for p, a in at.items():
            here = cost(p, a)
            for b in bits(masks[p]):
                if b != a:
                    item = (cost(p, b) - here, creates_repeat(p, b), p)
                    if item < table.get((a, b), (INF, 0, 0)):
                        table[(a, b)] = item
        return table

    def cheapest(start: dict[int, Cost]) -> tuple[list[Cost], list[tuple[int, int] | None]]:
        """Bellman-Ford from ``start``: least cost, then fewest new repeats, then first hop."""
        dist: list[Cost] = [(INF, 0, ())] * size
        parent: list[tuple[int, int] | None] = [None] * size
        for r, d in start.items():
            dist[r] = d
        table = edges()
        for _ in range(size):
            changed = False
            for (a, b), (delta, repeats, p) in table.items():
                if dist[a][0] == INF:
                    continue
                cand = (dist[a][0] + delta, dist[a][1] + repeats, dist[a][2])
                if cand < dist[b]:
                    dist[b] = cand
                    parent[b] = (a, p)
                    changed = True
            if not changed:
                break
        return dist, parent

    def chain(target: int, parent: list[tuple[int, int] | None]) -> list[tuple[int, int]] | None:
        """The slot moves (slot, new region) of the cheapest path to ``target``."""
        hops = []
        node = target
        seen = {node}
        while parent[node] is not None:
            a, p = parent[node]
            hops.append((p, node))
            node = a
            if node in seen:  # a negative cycle: give up, plan from scratch
                return None
            seen.add(node)
        return hops

    def apply(hops: list[tuple[int, int]]) -> None:
        for p, b in hops:
            counts[at[p]] -= 1
            counts[b] += 1
            at[p] = b
            values[p] = b

    def repeats_after(p: int, b: int, hops: list[tuple[int, int]]) -> int:
        trial = values[:]
        trial[p] = b
        for q, r in hops:
            trial[q] = r
        return sum(1 for i in range(1, n) if trial[i] is not None and trial[i] == trial[i - 1])

    for p in free:
        # Where the slot goes, and which chain of moves makes room: a region below its lower
        # bound must gain a slot anyway, so the chain ends there if it can. Among equally cheap
        # choices the one leaving the fewest repeats in the whole plan wins.
        under = [t for t in range(size) if counts[t] < lo[t]]
        room = [t for t in range(size) if counts[t] < hi[t]]
        options = []
        for goals in (under, room):
            for b in bits(masks[p]):
                dist, parent = cheapest({b: (0, 0, ())})
                for t in goals:
                    if dist[t][0] == INF:
                        continue
                    hops = chain(t, parent)
                    if hops is None:
                        return False
                    price = cost(p, b) + dist[t][0]
                    load = loads[p][b] if loads else 0
                    rank = (price, repeats_after(p, b, hops), load, counts[b] - share[b], b, t)
                    options.append((rank, b, hops))
            if options:
                break
        if options:
            _, first, hops = min(options)
            apply(hops)
        else:
            first = min(
                bits(masks[p]), key=lambda b: (creates_repeat(p, b), counts[b] - share[b], b)
            )
        at[p] = first
        values[p] = first
        counts[first] += 1

    for _ in range(n * size + 1):
        over = [v for v in range(size) if counts[v] > hi[v]]
        if not over:
            break
        dist, parent = cheapest({over[0]: (0, 0, ())})
        room = [t for t in range(size) if counts[t] < hi[t] and dist[t][0] < INF]
        hops = chain(min(room, key=lambda t: (dist[t], t)), parent) if room else None
        if hops is None:
            return False
        apply(hops)
    for _ in range(n * size + 1):
        under = [u for u in range(size) if counts[u] < lo[u]]
        if not under:
            break
        sources = {v: (0, 0, ()) for v in range(size) if counts[v] > lo[v]}
        dist, parent = cheapest(sources)
        hops = chain(under[0], parent) if dist[under[0]][0] < INF else None
        if hops is None:
            return False
        apply(hops)
    return all(lo[r] <= counts[r] <= hi[r] for r in range(size))
