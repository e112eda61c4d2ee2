"""One role (hosting or co-hosting) of one course, planned in two halves.

:meth:`Role.counts_state` is the first half: the counts closest to the fair shares and the
course's fairness box, which the network may then shift (see :mod:`.network`).
:meth:`Role.place` is the second: which slot each region takes.

From scratch every open slot is placed in time order (:func:`~.sequence.fill_in_order`), then
back-to-back repeats are removed (:func:`~.sequence.fix_repeats`, and exactly by
:func:`~.exact.fewest_repeats` whenever the plan is above the counting lower bound), and weeks
busy in other courses are relieved by swaps (:func:`~.sequence.spread_load`).

Re-planning keeps every previous choice that is still allowed and changes as few slots as the
box allows (:func:`~.replan.keep_assign`); removing a repeat may not cost a further change.
"""

from __future__ import annotations

from collections.abc import Sequence

from .exact import fewest_repeats, repeat_caps, repeats_lower_bound
from .fairness import Witness, fairness_box, lex_optimal_counts
from .network import RoleCounts
from .replan import keep_assign
from .sequence import count_repeats, fill_in_order, fix_repeats, spread_load


class Role:
    """Regions (indices) for one role over the non-cancelled slots of a course in time order.

    ``fixed`` holds the value of locked positions; ``masks`` the eligible regions of open ones;
    ``prev`` the previous plan (all None when planning from scratch); ``weight`` what changing
    each position costs; ``share`` each region's fair share of the role in this course;
    ``avoid`` the other role's previous region per position (re-planning hosts: moving the host
    onto the co-host would upset the co-hosts too, so equally few changes without it win).
    """

    def __init__(
        self,
        codes: list[str],
        fixed: list[int | None],
        locked: list[bool],
        masks: list[int],
        prev: list[int | None],
        weight: list[int],
        share: list[float],
        avoid: list[int | None] | None = None,
    ) -> None:
        self.codes = codes
        self.avoid = avoid
        self.masks = masks
        self.prev = prev
        self.fixed = fixed
        self.locked = locked
        self.weight = weight
        self.share = share
        size = len(share)
        n = len(fixed)
        self.values: list[int | None] = [fixed[p] if locked[p] else None for p in range(n)]
        self.locked_counts = [0] * size
        for p in range(n):
            if locked[p] and fixed[p] is not None:
                self.locked_counts[fixed[p]] += 1
        self.open_pos = [p for p in range(n) if not locked[p] and masks[p]]
        self.replan = any(prev[p] is not None for p in self.open_pos)
        self.state: RoleCounts | None = None
        if self.open_pos and size:
            best, witness = lex_optimal_counts(
                self.locked_counts, [masks[p] for p in self.open_pos], share
            )
            lo, hi = fairness_box(best, share)
            if not self.replan:
                # The ledger may move counts inside the box, but not into back-to-back repeats
                # another region could avoid. (Re-planning keeps the whole box: fewest changes.)
                caps = repeat_caps(self.values, self.open_pos, masks, best)
                hi = [min(h, max(b, cap)) for h, b, cap in zip(hi, best, caps, strict=True)]
            self.best = list(best)
            self.state = RoleCounts(codes, best, witness, lo, hi)

    @property
    def flexibility(self) -> float:
        """How many regions an open slot may go to, on average (0 with none open)."""
        if not self.open_pos:
            return 0.0
        return sum(self.masks[p].bit_count() for p in self.open_pos) / len(self.open_pos)

    @property
    def fresh(self) -> bool:
        """Planned from scratch: its counts may be moved inside the box by the network."""
        return self.state is not None and not self.replan

    def estimate(self) -> list[int]:
        """The counts this role will most likely end with (the previous plan's, re-planning)."""
        if self.state is None:
            return self.counts()
        if not self.replan:
            return list(self.state.counts)
        counts = list(self.locked_counts)
        for p in self.open_pos:
            r = self.prev[p]
            if r is not None and self.masks[p] >> r & 1:
                counts[r] += 1
        return counts

    def counts(self) -> list[int]:
        out = [0] * len(self.share)
        for v in self.values:
            if v is not None:
                out[v] += 1
        return out

    def place(
        self, loads: Sequence[Sequence[int]] | None, center: list[float] | None
    ) -> list[int | None]:
        """Give every open slot its region; ``center`` is where the ledger would like the
        counts (only a tie-breaker when re-planning: the counts are settled otherwise)."""
        if self.state is None:
            return self.values
        if self.replan and self._keep_previous(loads, center):
            return self.values
        values = self.values
        start = list(values)
        fill_in_order(values, self.open_pos, self.masks, self.state.witness, loads, None)
        self._fewest_repeats(values)
        found = count_repeats(values)
        if found and self.state.counts != self.best:
            # The ledger moved the counts: if that forced a repeat the fairest counts would
            # avoid, the repeat wins (the ledger only breaks ties).
            fairest = {r: c for r, c in enumerate(self.best) if c}
            if found > repeats_lower_bound(values, self.open_pos, self.masks, fairest):
                trial = list(start)
                _, witness = lex_optimal_counts(
                    self.locked_counts, [self.masks[p] for p in self.open_pos], self.share
                )
                fill_in_order(trial, self.open_pos, self.masks, witness, loads, None)
                self._fewest_repeats(trial)
                if count_repeats(trial) < found:
                    values[:] = trial
        if loads is not None:
            spread_load(values, self.open_pos, self.masks, loads)
        return values

    def _fewest_repeats(self, values: list[int | None]) -> None:
        open_pos, masks = self.open_pos, self.masks
        if not any(values[p] is not None and values[p] == values[p - 1] for p in open_pos if p):
            return
        bound = repeats_lower_bound(values, open_pos, masks)
        if count_repeats(values) <= bound:
            return
        # The counts are settled (the network may have moved them): only swaps keep them.
        counts = [0] * len(self.share)
        for v in values:
            if v is not None:
                counts[v] += 1
        fix_repeats(values, open_pos, masks, counts, list(counts), list(counts), self.share)
        if count_repeats(values) > bound:
            fewest_repeats(values, open_pos, masks)

    def _keep_previous(
        self, loads: Sequence[Sequence[int]] | None, center: list[float] | None
    ) -> bool:
        """Re-plan changing as few slots as the fairness box allows; False if the box can't be
        reached from the previous plan (then the role is planned afresh)."""
        state = self.state
        size = len(self.share)
        n = len(self.values)
        trial = list(self.values)
        counts = list(self.locked_counts)
        goal = self.share if center is None else center
        prev, masks, weight = self.prev, self.masks, self.weight
        if not keep_assign(
            trial,
            self.open_pos,
            masks,
            prev,
            weight,
            counts,
            state.lo,
            state.hi,
            goal,
            loads,
            self.avoid,
        ):
            return False
        todo = [p for p in self.open_pos if trial[p] != prev[p]]
        witness = Witness(size)
        for p in todo:
            witness.add(masks[p], trial[p])
            trial[p] = None
        fill_in_order(trial, todo, masks, witness, loads, prev)
        cost = [[0.0] * size for _ in range(n)]
        upset = 1.0 / (2 * n + 2)  # as in keep_assign: only breaks ties between equal changes
        avoid = self.avoid
        for p in self.open_pos:
            cost[p] = [
                (0 if r == prev[p] else weight[p]) + (upset if avoid and avoid[p] == r else 0)
                for r in range(size)
            ]
        old = [self.fixed[p] if self.locked[p] else prev[p] for p in range(n)]
        counts = list(self.locked_counts)
        for p in self.open_pos:
            counts[trial[p]] += 1
        if any(trial[p] is not None and trial[p] == trial[p - 1] for p in range(1, n)):
            # Removing a repeat may not cost another changed session: the fewest changes come
            # first when re-planning.
            fix_repeats(trial, self.open_pos, masks, counts, state.lo, state.hi, goal, cost, 0, old)
        self.values[:] = trial
        return True
