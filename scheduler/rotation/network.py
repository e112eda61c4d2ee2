"""Evening out the network's ledger: which region takes the slack of each course's fairness.

Every course keeps its own fairness: each region's count stays inside the course's box (within
one of its share, or as close as the constraints allow; :func:`~.fairness.fairness_box`).
Inside the boxes the counts are moved so that the regions' balances in the network's ledger
(hosted minus target, co-hosting at half weight) get as even as possible.

The counts a course allows form an M-convex set (see :mod:`.fairness`), and so does their sum
over the courses. The objective, the sorted vector of |balance| minimised lexicographically, is
separable convex, so single exchanges "one session less for v, one more for u" suffice and a
local optimum is global. Such an exchange may run through several courses (v gives to w in one
course, w to u in another): it is a path in a graph on the regions whose edges are the moves
single courses allow, kept up to date as counts change.
"""

from __future__ import annotations

import itertools

from .fairness import EPS, Witness, bits


class RoleCounts:
    """One role of one course: its counts and the witness of the open slots, free to move
    within ``lo``..``hi``. ``codes`` names the course's regions (local index → code);
    ``worth[r]`` is what one session more or less of this role moves region r's balance by
    (hosting a co-hosted course also takes the host out of that session's co-hosting)."""

    def __init__(
        self,
        codes: list[str],
        counts: list[int],
        witness: Witness,
        lo: list[int],
        hi: list[int],
    ) -> None:
        self.codes = codes
        self.counts = counts
        self.witness = witness
        self.lo = lo
        self.hi = hi
        self.worth = [1.0] * len(codes)

    def moves(self) -> list[tuple[int, int]]:
        """(giver, taker) pairs of local indices this course allows now."""
        out = self.witness.out_edges()
        found = []
        for a in range(len(self.codes)):
            if self.counts[a] <= self.lo[a] or not out[a]:
                continue
            seen = 1 << a
            frontier = [a]
            while frontier:
                nxt = []
                for x in frontier:
                    for y in bits(out[x] & ~seen):
                        seen |= 1 << y
                        nxt.append(y)
                frontier = nxt
            for b in bits(seen & ~(1 << a)):
                if self.counts[b] < self.hi[b]:
                    found.append((a, b))
        return found

    def move(self, a: int, b: int) -> None:
        chain = self.witness.path(a, 1 << b)
        if chain is None:  # pragma: no cover - moves() only offers reachable pairs
            raise AssertionError("no chain")
        self.witness.shift(chain)
        self.counts[a] -= 1
        self.counts[b] += 1


def _better(balance: dict[str, float], deltas: dict[str, float]) -> bool:
    """Do the changes bring the regions concerned closer to zero, lexicographically on the
    sorted |balance| (the largest first)?"""
    old = sorted((abs(balance.get(c, 0.0)) for c in deltas), reverse=True)
    new = sorted((abs(balance.get(c, 0.0) + d) for c, d in deltas.items()), reverse=True)
    for x, y in zip(new, old, strict=True):
        if x < y - EPS:
            return True
        if x > y + EPS:
            return False
    return False


def even_out(items: list[RoleCounts], balance: dict[str, float]) -> None:
    """Move counts inside the boxes until no exchange evens the balances further.

    ``balance`` (by region code) already includes the items' current counts and is updated.
    """
    edges: dict[tuple[str, str], set[int]] = {}  # (giver, taker) -> items allowing it
    adjacency: dict[str, set[str]] = {}  # giver -> takers, kept with ``edges``
    in_order: dict[str, list[str]] = {}  # giver -> its takers sorted (a cache)
    item_edges: list[list[tuple[str, str]]] = []

    def refresh(k: int) -> None:
        item = items[k]
        for key in item_edges[k]:
            found = edges.get(key)
            if found is not None:
                found.discard(k)
                if not found:
                    del edges[key]
                    a, b = key
                    takers = adjacency[a]
                    takers.discard(b)
                    if not takers:
                        del adjacency[a]
                    in_order.pop(a, None)
        keys = [(item.codes[a], item.codes[b]) for a, b in item.moves()]
        for key in keys:
            found = edges.get(key)
            if found is None:
                edges[key] = {k}
                adjacency.setdefault(key[0], set()).add(key[1])
                in_order.pop(key[0], None)
            else:
                found.add(k)
        item_edges[k] = keys

    def takers_of(x: str) -> list[str]:
        found = in_order.get(x)
        if found is None:
            found = in_order[x] = sorted(adjacency.get(x, ()))
        return found

    for k in range(len(items)):
        item_edges.append([])
        refresh(k)
    local = [{code: i for i, code in enumerate(item.codes)} for item in items]

    def deltas_of(path: list[str]) -> tuple[dict[str, float], list[int]]:
        deltas: dict[str, float] = {}
        used = []
        for a, b in itertools.pairwise(path):
            k = min(edges[(a, b)])
            item = items[k]
            deltas[a] = deltas.get(a, 0.0) - item.worth[local[k][a]]
            deltas[b] = deltas.get(b, 0.0) + item.worth[local[k][b]]
            used.append(k)
        return deltas, used

    for _ in range(10 * sum(sum(item.counts) for item in items) + 10):
        chosen = None
        for v in sorted(adjacency, key=lambda c: (-balance.get(c, 0.0), c)):
            parent = {v: None}
            frontier = [v]
            order = []
            while frontier:
                nxt = []
                for x in frontier:
                    for y in takers_of(x):
                        if y not in parent:
                            parent[y] = x
                            nxt.append(y)
                            order.append(y)
                frontier = nxt
            for y in sorted(order, key=lambda c: (balance.get(c, 0.0), c)):
                path = [y]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                path.reverse()
                deltas, used = deltas_of(path)
                if _better(balance, deltas):
                    chosen = (path, deltas, used)
                    break
            if chosen is not None:
                break
        if chosen is None:
            return
        path, deltas, used = chosen
        for (a, b), k in zip(itertools.pairwise(path), used, strict=True):
            items[k].move(local[k][a], local[k][b])
            refresh(k)
        for code, d in deltas.items():
            balance[code] = balance.get(code, 0.0) + d
