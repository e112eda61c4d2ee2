"""Narrowing the network's balance spread once every course is placed.

The ledger's exchanges (:mod:`.network`) even the balances out on the counts, before the
sessions are placed; placing them, the co-hosts and the relief of busy weeks move a few counts
again. This last pass changes the host or co-host of single sessions between a region far from
the middle of the ledger and one on the other side of it, and keeps a change only when it
narrows the spread (max - min balance) or, leaving it the same, lowers the sum of squared
balances: the pass ends.

Handing a session over moves two balances by a whole step (1 for hosting, 1/2 for co-hosting),
so steps alone leave the balances apart by their fractions: once every region is within half a
session of the others, nothing more moves. The fractions move with the co-host shares: a host
never co-hosts its own session, so who hosts a session of a co-hosted course decides who shares
its co-hosting. The pass therefore also hands such a session's hosting to another region
(swapping host and co-host when that region co-hosts it), and pairs two changes in opposite
directions between the same two regions (a gives b a hosted session in one course, b gives a a
co-hosted one in another) whose steps differ by a fraction of a session.

Every change stays inside everything the planner promises: only courses planned from scratch
(a host changes only where the co-hosts are planned from scratch too); the host counts stay
inside the course's box and repeat caps; the co-host counts inside theirs and, once a host
change moved the co-host shares, within one of the new shares (so inside the box whatever the
best reachable deviation); the new regions are eligible, the host never co-hosts, no
back-to-back repeat is added next to the slot, and each role's repeats stay at the lower bound
for its new counts (so still the fewest). A duty may land only in a week below the network's
busiest (a swap of host and co-host moves none), so the busiest week never grows; a region far
behind often has busy weeks, and the rule "no busier than the week it leaves" kept it behind.

Only a network of courses is narrowed: a course planned alone keeps the counts the ledger's
exchanges chose for it. An exact model of the balances alone (bench/rotation_exact.py), which
knows no weekly load and no order of sessions, is the reference for how narrow it can get.
"""

from __future__ import annotations

import itertools
from bisect import insort
from collections.abc import Mapping
from typing import Any

from .exact import repeats_lower_bound
from .fairness import EPS, bits
from .sequence import count_repeats
from .shares import COHOST_FACTOR

Cell = tuple[str, int, int]
# A change: the course's view, the slot's position, its new host and its new co-host.
Change = tuple["_View", int, int | None, int | None]
# Changes with the same effect on the balances, and that effect.
Found = tuple[dict[str, float], list[Change]]
CANDIDATES = 12  # the best-scoring effects checked in full for one pair of regions
ALTERNATIVES = 3  # changes of one effect kept, in case the first breaks a rule


class _View:
    """One course as the pass sees it: who hosts and co-hosts each slot, the counts, and
    which roles may change."""

    def __init__(self, course: Any) -> None:
        self.course = course
        host, co = course.host_role, course.co_role
        self.codes: list[str] = course.codes
        self.index = {code: r for r, code in enumerate(course.codes)}
        self.hosts: list[int | None] = host.values
        self.cohosts: list[int | None] = co.values if co is not None else [None] * len(host.values)
        # Hosts change only where nothing fixed depends on them: a co-hosted course's co-hosts
        # must be planned from scratch too (their shares move with the host).
        host_free = host.fresh and (co is None or co.fresh)
        self.host_open: list[int] = host.open_pos if host_free else []
        self.co_open: list[int] = co.open_pos if co is not None and co.fresh else []
        self.host_counts = host.counts()
        self.co_counts = co.counts() if co is not None else []
        # The open positions each region holds, in order (kept up to date by _Pass.apply).
        self.hosted_by = _held(self.hosts, self.host_open, len(self.codes))
        self.cohosted_by = _held(self.cohosts, self.co_open, len(self.codes))
        self.shifted = False  # a host change moved the co-host shares
        self._shifts: dict[tuple[int, int, int], list[float]] = {}

    def co_shift(self, p: int, old: int, new: int) -> list[float]:
        """How each region's co-host share of slot ``p`` changes when its host goes from
        ``old`` to ``new`` (a host is left out of its session's co-host sharers)."""
        course = self.course
        key = (course.sharers[p], old, new)
        found = self._shifts.get(key)
        if found is None:
            weights = course.weights
            found = [0.0] * len(weights)
            for gone, sign in ((old, -1.0), (new, 1.0)):
                members = bits(course.sharers[p] & ~(1 << gone))
                total = sum(weights[r] for r in members)
                for r in members:
                    found[r] += sign * weights[r] / total
            self._shifts[key] = found
        return found


def _held(values: list[int | None], open_pos: list[int], size: int) -> list[list[int]]:
    held: list[list[int]] = [[] for _ in range(size)]
    for p in open_pos:
        if values[p] is not None:
            held[values[p]].append(p)
    return held


class _Pass:
    """What the pass changes: the courses, the network's weekly load and its ledger; and the
    changes found between two regions, kept until a change touches one of them."""

    def __init__(self, views: list[_View], load: dict[Cell, int], ledger: dict[str, float]):
        self.views = views
        self.load = load
        self.ledger = ledger
        self.outside: Mapping[Cell, int] = views[0].course.request.weekly_load
        self.peak = max((self.level(cell) for cell in load), default=0)
        self.by_region: dict[str, set[int]] = {}
        for k, view in enumerate(views):
            for code in view.codes:
                self.by_region.setdefault(code, set()).add(k)
        self._found: dict[tuple[str, str], list[Found]] = {}
        # Pairs (giver, taker) with no change that lowers the potential: a change of either
        # region's balance or courses touches one of their courses and clears the pair.
        self.stuck: set[tuple[str, str]] = set()

    def level(self, cell: Cell) -> int:
        return self.load.get(cell, 0) + self.outside.get(cell, 0)

    def delta(self, change: Change) -> dict[str, float]:
        """The change in each region's balance (by code)."""
        view, p, host, cohost = change
        codes = view.codes
        old_host, old_co = view.hosts[p], view.cohosts[p]
        out: dict[str, float] = {}
        if host != old_host:
            if view.course.co_role is not None:
                # A region's co-host target grows with its share: its balance falls.
                for r, d in enumerate(view.co_shift(p, old_host, host)):
                    if d:
                        out[codes[r]] = -COHOST_FACTOR * d
            out[codes[old_host]] = out.get(codes[old_host], 0.0) - 1.0
            out[codes[host]] = out.get(codes[host], 0.0) + 1.0
        if cohost != old_co:
            out[codes[old_co]] = out.get(codes[old_co], 0.0) - COHOST_FACTOR
            out[codes[cohost]] = out.get(codes[cohost], 0.0) + COHOST_FACTOR
        return out

    def _duties(self, change: Change) -> list[tuple[Cell, int]]:
        """The region-weeks whose duties the change moves: (cell, +1 or -1)."""
        view, p, host, cohost = change
        codes, week = view.codes, view.course.weeks[p]
        out: dict[Cell, int] = {}
        for old, new in ((view.hosts[p], host), (view.cohosts[p], cohost)):
            if old != new:
                out[(codes[old], *week)] = out.get((codes[old], *week), 0) - 1
                out[(codes[new], *week)] = out.get((codes[new], *week), 0) + 1
        return [(cell, d) for cell, d in out.items() if d]

    # ---------------------------------------------------------------- the rules

    def allowed(self, change: Change) -> bool:
        """Does the change keep every rule of the planner (see the module docstring)?"""
        view, p, host, cohost = change
        course = view.course
        old_host, old_co = view.hosts[p], view.cohosts[p]
        if (host, cohost) == (old_host, old_co):
            return False
        mask = course.masks[p]
        if host != old_host:
            state = course.host_role.state
            if (
                p not in view.host_open
                or not mask >> host & 1
                or view.host_counts[old_host] - 1 < state.lo[old_host]
                or view.host_counts[host] + 1 > state.hi[host]
            ):
                return False
        if course.co_role is not None and (
            cohost is None
            or cohost == host
            or not mask >> cohost & 1
            or (cohost != old_co and p not in view.co_open)
            or (host != old_host and not view.co_open)
        ):
            return False
        if any(d > 0 and self.level(cell) + d > self.peak for cell, d in self._duties(change)):
            return False
        shifted = view.shifted
        undo = self.apply(change, book=False)
        try:
            return self._co_counts_ok(view, old_co, cohost) and self._repeats_ok(
                view, p, host != old_host, cohost != old_co
            )
        finally:
            self.apply(undo, book=False)
            view.shifted = shifted

    def _co_counts_ok(self, view: _View, old_co: int | None, cohost: int | None) -> bool:
        """The co-host counts (already changed) inside their box, and within one of the
        shares once a host change has moved them."""
        co = view.course.co_role
        if co is None:
            return True
        counts = view.co_counts
        if cohost != old_co and (
            counts[old_co] < co.state.lo[old_co] or counts[cohost] > co.state.hi[cohost]
        ):
            return False
        return not view.shifted or all(
            abs(c - s) <= 1.0 + EPS for c, s in zip(counts, co.share, strict=True)
        )

    def _repeats_ok(self, view: _View, p: int, host_moved: bool, co_moved: bool) -> bool:
        """No repeat next to the slot in a role whose region there changed, and each role
        touched at its lower bound of repeats (a host change also changes who may co-host)."""
        course = view.course
        touched = []
        if host_moved:
            touched.append((course.host_role, True))
        if course.co_role is not None and (host_moved or co_moved):
            touched.append((course.co_role, co_moved))
        for role, moved in touched:
            values = role.values
            v = values[p]
            if moved and (
                (p > 0 and values[p - 1] == v) or (p + 1 < len(values) and values[p + 1] == v)
            ):
                return False
            found = count_repeats(values)
            if found and found > repeats_lower_bound(values, role.open_pos, role.masks):
                return False
        return True

    # ---------------------------------------------------------------- making a change

    def apply(self, change: Change, book: bool = True) -> Change:
        """Make the change (``book``: in the ledger and the load too); returns its undoing."""
        view, p, host, cohost = change
        course = view.course
        old_host, old_co = view.hosts[p], view.cohosts[p]
        if book:
            moved = self.delta(change)
            for code, d in moved.items():
                self.ledger[code] = self.ledger.get(code, 0.0) + d
            full = set()  # regions with a week that reaches the peak or leaves it
            for cell, d in self._duties(change):
                self.load[cell] = self.load.get(cell, 0) + d
                if self.level(cell) - (d > 0) == self.peak - 1:
                    full.add(cell[0])
            self._forget(set(view.codes), full, set(moved))
        if host != old_host:
            if course.co_role is not None:
                share = course.co_role.share
                for r, d in enumerate(view.co_shift(p, old_host, host)):
                    share[r] += d
                course.co_masks[p] = course.masks[p] & ~(1 << host)
                view.shifted = True
            view.hosts[p] = host
            view.host_counts[old_host] -= 1
            view.host_counts[host] += 1
            view.hosted_by[old_host].remove(p)
            insort(view.hosted_by[host], p)
        if cohost != old_co:
            view.cohosts[p] = cohost
            view.co_counts[old_co] -= 1
            view.co_counts[cohost] += 1
            view.cohosted_by[old_co].remove(p)
            insort(view.cohosted_by[cohost], p)
        return (view, p, old_host, old_co)

    def _forget(self, course: set[str], full: set[str], moved: set[str]) -> None:
        """Drop what a change made stale: the changes found between two regions of its course
        or into a region with a week that reached the peak or left it, and the stuck pairs of
        those or of a region whose balance moved."""

        def stale(pair: tuple[str, str]) -> bool:
            return (pair[0] in course and pair[1] in course) or pair[1] in full

        self._found = {pair: found for pair, found in self._found.items() if not stale(pair)}
        self.stuck = {
            pair
            for pair in self.stuck
            if not stale(pair) and pair[0] not in moved and pair[1] not in moved
        }

    # ---------------------------------------------------------------- finding changes

    def changes(self, giver: str, taker: str) -> list[Found]:
        """The changes at one slot that hand a duty from ``giver`` to ``taker``, grouped by
        their effect on the balances, the least busy landing week first (cheap checks only:
        eligibility, counts, no repeat next to the slot, weekly load)."""
        found = self._found.get((giver, taker))
        if found is None:
            groups: dict[tuple, list[tuple[int, Change]]] = {}
            for key, level, change in self._candidates(giver, taker):
                groups.setdefault(key, []).append((level, change))
            found = []
            for group in groups.values():
                group.sort(key=lambda x: x[0])
                changes = [change for _, change in group[:ALTERNATIVES]]
                found.append((self.delta(changes[0]), changes))
            self._found[(giver, taker)] = found
        return found

    def _candidates(self, giver: str, taker: str) -> list[tuple[tuple, int, Change]]:
        """(effect, level of the week it lands in, change): changes with the same effect
        move the same balances by the same amounts."""
        out: list[tuple[tuple, int, Change]] = []
        peak, load, outside = self.peak, self.load, self.outside

        def level(cell: Cell) -> int:
            return load.get(cell, 0) + outside.get(cell, 0)

        for k in sorted(self.by_region[giver] & self.by_region[taker]):
            view = self.views[k]
            course = view.course
            a, b = view.index[giver], view.index[taker]
            hosts, cohosts, masks, weeks = view.hosts, view.cohosts, course.masks, course.weeks
            sharers = course.sharers
            n = len(hosts)
            state, co = course.host_role.state, course.co_role
            if (
                view.host_open
                and view.host_counts[a] - 1 >= state.lo[a]
                and view.host_counts[b] + 1 <= state.hi[b]
            ):
                for p in view.hosted_by[a]:
                    if not masks[p] >> b & 1:
                        continue
                    if (p > 0 and hosts[p - 1] == b) or (p + 1 < n and hosts[p + 1] == b):
                        continue
                    c = cohosts[p]
                    if co is None:
                        lands = level((taker, *weeks[p]))
                        if lands < peak:
                            out.append((("host",), lands, (view, p, b, None)))
                    elif c == b:  # swap host and co-host: no duty moves
                        if not (p > 0 and cohosts[p - 1] == a) and not (
                            p + 1 < n and cohosts[p + 1] == a
                        ):
                            out.append((("swap", k, sharers[p]), 0, (view, p, b, a)))
                    elif c is not None:
                        lands = level((taker, *weeks[p]))
                        if lands < peak:
                            out.append((("shift", k, sharers[p]), lands, (view, p, b, c)))
            if (
                view.co_open
                and view.co_counts[a] - 1 >= co.state.lo[a]
                and view.co_counts[b] + 1 <= co.state.hi[b]
            ):
                co_masks = course.co_masks
                for p in view.cohosted_by[a]:
                    if not co_masks[p] >> b & 1:
                        continue
                    if (p > 0 and cohosts[p - 1] == b) or (p + 1 < n and cohosts[p + 1] == b):
                        continue
                    lands = level((taker, *weeks[p]))
                    if lands < peak:
                        out.append((("co",), lands, (view, p, hosts[p], b)))
        return out


class _Balances:
    """The ledger's spread and sum of squares, and what a change would make of them."""

    def __init__(self, ledger: Mapping[str, float]) -> None:
        self.ledger = ledger
        self.order = sorted(ledger, key=lambda c: (ledger[c], c))
        self.squares = sum(v * v for v in ledger.values())
        self.now = self.after({})

    def after(self, delta: Mapping[str, float]) -> tuple[float, float]:
        """(spread, sum of squared balances) after the change ``delta``."""
        ledger = self.ledger
        new = [ledger.get(code, 0.0) + d for code, d in delta.items()]
        top = next((ledger[c] for c in reversed(self.order) if c not in delta), None)
        bottom = next((ledger[c] for c in self.order if c not in delta), None)
        rest = [v for v in (top, bottom) if v is not None]
        spread = max(new + rest) - min(new + rest)
        old = (ledger.get(code, 0.0) for code in delta)
        squares = self.squares + sum(v * v - u * u for v, u in zip(new, old, strict=True))
        return spread, squares

    def better(self, delta: Mapping[str, float]) -> tuple[float, float] | None:
        """The potential after ``delta`` when it is lower than now, else None."""
        spread, squares = self.after(delta)
        was_spread, was_squares = self.now
        if spread < was_spread - EPS or (
            spread <= was_spread + EPS and squares < was_squares - EPS
        ):
            return spread, squares
        return None


def narrow_spread(courses: list[Any], load: dict[Cell, int], ledger: dict[str, float]) -> None:
    """Change hosts and co-hosts of single sessions while a region far from the middle of the
    ledger can move closer to the others. ``load`` (every duty of these courses per
    region-week) and ``ledger`` (the network's balances by region code) are kept up to date."""
    views = [_View(c) for c in courses if c.host_role is not None]
    views = [v for v in views if v.host_open or v.co_open]
    if not views:
        return
    state = _Pass(views, load, ledger)
    for _ in range(4 * sum(len(c.order) for c in courses)):
        if not _step(state):
            return


def _step(state: _Pass) -> bool:
    """One change (or pair) for the region furthest from the middle that can move closer."""
    ledger = state.ledger
    balances = _Balances(ledger)
    ranked = [c for c in balances.order if c in state.by_region]
    middle = ledger[ranked[len(ranked) // 2]]
    for end in sorted(ranked, key=lambda c: -abs(ledger[c] - middle)):
        high = ledger[end] > middle
        for partner in ranked if high else ranked[::-1]:
            giver, taker = (end, partner) if high else (partner, end)
            if ledger[giver] - ledger[taker] <= EPS:
                break
            if (giver, taker) in state.stuck:
                continue
            if _improve(state, balances, giver, taker):
                return True
            state.stuck.add((giver, taker))
    return False


def _improve(state: _Pass, balances: _Balances, giver: str, taker: str) -> bool:
    """Make the change between ``giver`` and ``taker`` that lowers the potential most, or,
    when no single change does, the best pair of changes (one each way; pairs are looked
    for only then, which keeps the pass cheap). True if one was made."""
    forth = state.changes(giver, taker)
    if not forth:
        return False
    singles = []
    for delta, changes in forth:
        found = balances.better(delta)
        if found is not None:
            singles.append((found, (changes,)))
    if _make_best(state, singles):
        return True
    back = state.changes(taker, giver)
    pairs = []
    for delta, changes in forth:
        for back_delta, back_changes in back:
            if delta[giver] + back_delta[giver] >= -EPS:
                continue  # the giver must end lower
            both = dict(delta)
            for code, d in back_delta.items():
                both[code] = both.get(code, 0.0) + d
            found = balances.better(both)
            if found is not None:
                pairs.append((found, (changes, back_changes)))
    return _make_best(state, pairs)


def _make_best(state: _Pass, scored: list[tuple[tuple[float, float], tuple]]) -> bool:
    """Make the first of the best-scoring options that keeps every rule."""
    scored.sort(key=lambda x: x[0])
    return any(
        _make(state, picked)
        for _, options in scored[:CANDIDATES]
        for picked in itertools.product(*options)
    )


def _make(state: _Pass, changes: tuple[Change, ...]) -> bool:
    """Make the changes in turn if each keeps every rule after the ones before it."""
    undo: list[Change] = []
    for change in changes:
        if not state.allowed(change):
            for back in reversed(undo):
                state.apply(back)
            return False
        undo.append(state.apply(change))
    return True
