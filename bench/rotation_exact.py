"""Exact reference models (OR-Tools CP-SAT) for ``bench/rotation.py --exact``.

OR-Tools is not a dependency of the project; install it only for the benchmark:
``.venv/bin/pip install ortools``. Every model here is solved to proven optimality (or the
comparison says it was not) one course at a time, except the network balance, which is one
model over the whole network's counts.

What is compared, per course (shares as in :mod:`scheduler.rotation.shares`):

- deviation: the smallest largest |count - share| any plan reaches (host; co-host given the
  planner's hosts). The planner is "worse" when it is above max(1, that optimum): within one of
  the share is the course's own fairness, inside which the ledger breaks ties.
- repeats: the fewest back-to-back repeats with the planner's own counts (host; co-host given
  the planner's hosts).
- changes after the one-week closure: the fewest sessions whose host or co-host changes while
  every region stays within max(1, optimum) of its host and co-host shares.
- the network's peak weekly load: each course in turn re-optimised exactly (others fixed) to
  the lowest peak over the region-weeks it touches, keeping its fairness and repeats.
- the network balance spread after planning from scratch: the smallest max - min balance over
  all plans whose courses each keep their own fairness.
"""

from __future__ import annotations

import time
from collections import defaultdict

from ortools.sat.python import cp_model
from rotation import (
    CLOSED_REGION,
    EPS,
    HELSINKI,
    RoleView,
    changed_sessions,
    deviation,
    forced_repeats,
    in_order,
    role_view,
    spread,
    weekly_load,
    weekly_peaks,
)

from scheduler.rotation import PlanRequest, PlanResult
from scheduler.rotation.eligibility import ineligibility_reason
from scheduler.rotation.exact import repeat_caps
from scheduler.rotation.fairness import fairness_box, lex_optimal_counts
from scheduler.rotation.shares import cohost_shares, host_shares

SCALE = 1000  # shares are fractions; the models work in thousandths of a session
WORKERS = 2


def _solver(seconds: float = 60.0) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = WORKERS
    solver.parameters.max_time_in_seconds = seconds
    return solver


def _bits(mask: int) -> list[int]:
    return [r for r in range(mask.bit_length()) if mask >> r & 1]


def _solved(status: int) -> bool:
    return status == cp_model.OPTIMAL


# --------------------------------------------------------------------------- deviation


def best_deviation(view: RoleView) -> float | None:
    """Smallest largest |count - share| over all assignments of the open slots."""
    model = cp_model.CpModel()
    size = len(view.codes)
    counts = [[] for _ in range(size)]
    fixed = [0] * size
    for p, mask in enumerate(view.masks):
        if view.is_locked[p]:
            if view.locked[p] is not None:
                fixed[view.locked[p]] += 1
            continue
        if not mask:
            continue
        xs = {r: model.NewBoolVar("") for r in _bits(mask)}
        model.AddExactlyOne(xs.values())
        for r, x in xs.items():
            counts[r].append(x)
    top = model.NewIntVar(0, 10**9, "d")
    for r in range(size):
        target = round(view.share[r] * SCALE)
        total = SCALE * (sum(counts[r]) + fixed[r])
        model.Add(total - target <= top)
        model.Add(target - total <= top)
    model.Minimize(top)
    solver = _solver()
    if not _solved(solver.Solve(model)):
        return None
    return solver.Value(top) / SCALE


# --------------------------------------------------------------------------- repeats


def fewest_repeats(view: RoleView) -> int | None:
    """Fewest back-to-back repeats with the planner's counts (locked slots kept). When the
    planner already meets the counting lower bound it is optimal and no model is needed."""
    bound = forced_repeats(view.masks, view.counts)
    if view.repeats <= bound:
        return view.repeats
    model = cp_model.CpModel()
    size = len(view.codes)
    target = view.counts
    n = len(view.masks)
    x: list[dict[int, cp_model.IntVar]] = []
    for p in range(n):
        if view.is_locked[p] or not view.masks[p]:
            value = view.values[p]
            x.append({} if value is None else {value: 1})
            continue
        xs = {r: model.NewBoolVar("") for r in _bits(view.masks[p])}
        model.AddExactlyOne(xs.values())
        x.append(xs)
    for r in range(size):
        model.Add(sum(xs[r] for xs in x if r in xs) == target[r])
    repeats = []
    for p in range(1, n):
        for r in set(x[p]) & set(x[p - 1]):
            rep = model.NewBoolVar("")
            model.Add(rep >= x[p][r] + x[p - 1][r] - 1)
            repeats.append(rep)
    model.Add(sum(repeats) >= bound)
    for p in range(n):
        for r, var in x[p].items():
            if not isinstance(var, int):
                model.AddHint(var, view.values[p] == r)
    model.Minimize(sum(repeats))
    solver = _solver()
    if not _solved(solver.Solve(model)):
        return None
    return round(solver.ObjectiveValue())


# --------------------------------------------------------------------------- both roles at once


class CourseModel:
    """Hosts and co-hosts of one course as CP-SAT variables, with the fair shares as linear
    expressions (a co-host's share depends on who hosts)."""

    def __init__(self, model: cp_model.CpModel, request: PlanRequest, result: PlanResult) -> None:
        self.model = model
        self.request = request
        regions = sorted(request.regions, key=lambda r: r.code)
        self.codes = [r.code for r in regions]
        index = {c: i for i, c in enumerate(self.codes)}
        self.pairs = in_order(request, result)
        size = len(regions)
        self.host: list[dict[int, object]] = []
        self.cohost: list[dict[int, object]] = []
        self.host_share = [0] * size  # constants, thousandths
        self.cohost_share: list[list] = [[] for _ in range(size)]  # linear terms, thousandths
        self.weeks: list[tuple[int, int]] = []
        for slot, a in self.pairs:
            day = slot.starts_at.astimezone(HELSINKI).date()
            self.weeks.append(day.isocalendar()[:2])
            held = day not in request.holidays
            if slot.locked:
                h = {} if a.host is None else {index[a.host]: 1}
                c = {} if a.cohost is None else {index[a.cohost]: 1}
            else:
                ok = [
                    i
                    for i, r in enumerate(regions)
                    if held
                    and ineligibility_reason(r, slot, request.closures, request.holidays) is None
                ]
                h = {r: model.NewBoolVar("") for r in ok}
                if h:
                    model.AddExactlyOne(h.values())
                c = {}
                if request.cohost and len(ok) >= 2:
                    c = {r: model.NewBoolVar("") for r in ok}
                    model.AddExactlyOne(c.values())
                    for r in ok:
                        model.AddBoolOr([h[r].Not(), c[r].Not()])
            self.host.append(h)
            self.cohost.append(c)
            if not held:
                continue
            for code, share in host_shares(regions, slot.languages, slot.starts_at).items():
                self.host_share[index[code]] += round(share * SCALE)
            if not request.cohost:
                continue
            if not h:  # nobody hosts: the co-host share is among all the sharers
                for code, share in cohost_shares(
                    regions, slot.languages, slot.starts_at, None
                ).items():
                    self.cohost_share[index[code]].append(round(share * SCALE))
                continue
            for r, var in h.items():
                shares = cohost_shares(regions, slot.languages, slot.starts_at, self.codes[r])
                for code, share in shares.items():
                    self.cohost_share[index[code]].append(round(share * SCALE) * var)

    def hint(self) -> None:
        """Start the search from the planner's own plan."""
        index = {c: i for i, c in enumerate(self.codes)}
        for p, (_, a) in enumerate(self.pairs):
            for row, value in ((self.host[p], a.host), (self.cohost[p], a.cohost)):
                for r, var in row.items():
                    if not isinstance(var, int):
                        self.model.AddHint(var, value is not None and index[value] == r)

    def count(self, role: str, r: int):
        rows = self.host if role == "host" else self.cohost
        return sum(row[r] for row in rows if r in row)

    def keep_fair(self, host_slack: float, cohost_slack: float) -> None:
        """Every region within the slack of its host and co-host shares (plus the rounding of
        the per-session shares to thousandths)."""
        tolerance = len(self.pairs) // 2 + 2
        for r in range(len(self.codes)):
            total = SCALE * self.count("host", r)
            bound = round(host_slack * SCALE) + tolerance
            self.model.Add(total - self.host_share[r] <= bound)
            self.model.Add(self.host_share[r] - total <= bound)
            if self.request.cohost:
                total = SCALE * self.count("cohost", r)
                share = sum(self.cohost_share[r])
                bound = round(cohost_slack * SCALE) + tolerance
                self.model.Add(total - share <= bound)
                self.model.Add(share - total <= bound)

    def repeats(self, role: str):
        rows = self.host if role == "host" else self.cohost
        out = []
        for p in range(1, len(rows)):
            for r in set(rows[p]) & set(rows[p - 1]):
                a, b = rows[p][r], rows[p - 1][r]
                if isinstance(a, int) and isinstance(b, int):
                    out.append(1)
                    continue
                rep = self.model.NewBoolVar("")
                self.model.Add(rep >= a + b - 1)
                out.append(rep)
        return sum(out)

    def duties(self) -> dict[tuple[int, int, int], list]:
        """(region, year, week) -> the duty variables of this course in that week."""
        out: dict[tuple[int, int, int], list] = defaultdict(list)
        for p, (year, week) in enumerate(self.weeks):
            for row in (self.host[p], self.cohost[p]):
                for r, var in row.items():
                    out[(r, year, week)].append(var)
        return out

    def balance(self, r: int):
        """This course's contribution to region r's balance, in thousandths, times two."""
        host = 2 * (SCALE * self.count("host", r) - self.host_share[r])
        if not self.request.cohost:
            return host
        return host + SCALE * self.count("cohost", r) - sum(self.cohost_share[r])


def slack(view: RoleView) -> float:
    best = view.best_deviation()
    return max(1.0, best)


def fewest_changes(
    previous: PlanResult, request: PlanRequest, result: PlanResult
) -> tuple[int | None, bool]:
    """Fewest sessions changed by a re-plan of ``request`` (the previous plan is in the
    request's slots) keeping fairness; and whether the planner's ``result`` keeps the same
    fairness bounds."""
    host_slack = slack(role_view(request, result, "host"))
    co_slack = slack(role_view(request, result, "cohost")) if request.cohost else 1.0
    model = cp_model.CpModel()
    course = CourseModel(model, request, result)
    course.keep_fair(host_slack, co_slack)
    index = {c: i for i, c in enumerate(course.codes)}
    changed = []
    for p, (slot, _) in enumerate(course.pairs):
        if slot.locked:
            continue
        moved = model.NewBoolVar("")
        for role, old in (("host", slot.host), ("cohost", slot.cohost)):
            row = course.host[p] if role == "host" else course.cohost[p]
            for r, var in row.items():
                if old is None or r != index.get(old):
                    model.AddImplication(var, moved)
            if old is not None and index.get(old) not in row and row:
                model.Add(moved == 1)
            if (old is None) == bool(row):  # a region appears or nobody can take it now
                model.Add(moved == 1)
        changed.append(moved)
    model.Minimize(sum(changed))
    solver = _solver()
    if not _solved(solver.Solve(model)):
        return None, True
    host_ok = deviation(role_view(request, result, "host")) <= host_slack + EPS
    co_ok = not request.cohost or (
        deviation(role_view(request, result, "cohost")) <= co_slack + EPS
    )
    return round(solver.ObjectiveValue()), host_ok and co_ok


# --------------------------------------------------------------------------- peak load


def reoptimise_load(network: list[PlanRequest], results: list[PlanResult]) -> tuple[int, int]:
    """Course by course, each re-optimised exactly (the others fixed) to the lowest peak over
    the region-weeks it touches, then the fewest duties at that peak; fairness within
    max(1, optimum) and repeats no more than the planner's. Returns (peak, unsolved)."""
    load = weekly_load(network, results)
    current = [dict() for _ in network]  # course -> {(code, year, week): duties}
    for k, (request, result) in enumerate(zip(network, results, strict=True)):
        current[k] = weekly_load([request], [result])
    unsolved = 0
    for k, (request, result) in enumerate(zip(network, results, strict=True)):
        for key, value in current[k].items():
            load[key] -= value
        host_view = role_view(request, result, "host")
        co_view = role_view(request, result, "cohost") if request.cohost else None
        model = cp_model.CpModel()
        course = CourseModel(model, request, result)
        course.keep_fair(slack(host_view), slack(co_view) if co_view else 1.0)
        model.Add(course.repeats("host") <= host_view.repeats)
        if co_view is not None:
            model.Add(course.repeats("cohost") <= co_view.repeats)
        cells = []
        for (r, year, week), duties in course.duties().items():
            cells.append((load.get((course.codes[r], year, week), 0), duties))
        peak = model.NewIntVar(0, 1000, "peak")
        for base, duties in cells:
            model.Add(base + sum(duties) <= peak)
        model.Minimize(peak)
        solver = _solver(20)
        status = solver.Solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            unsolved += 1
            for key, value in current[k].items():
                load[key] += value
            continue
        best = solver.Value(peak)
        model.Add(peak == best)
        excess = []
        for base, duties in cells:
            over = model.NewIntVar(0, 1000, "")
            model.Add(over >= base + sum(duties) - (best - 1))
            excess.append(over)
        model.Minimize(sum(excess))
        status = solver.Solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            unsolved += 1
            for key, value in current[k].items():
                load[key] += value
            continue
        mine: dict[tuple[str, int, int], int] = defaultdict(int)
        for p, (year, week) in enumerate(course.weeks):
            for row in (course.host[p], course.cohost[p]):
                for r, var in row.items():
                    if isinstance(var, int) or solver.Value(var):
                        mine[(course.codes[r], year, week)] += 1
        current[k] = dict(mine)
        for key, value in mine.items():
            load[key] = load.get(key, 0) + value
    return max(load.values()), unsolved


# --------------------------------------------------------------------------- network balance


def best_spread(
    network: list[PlanRequest], results: list[PlanResult]
) -> tuple[float, float, bool] | None:
    """The smallest max - min network balance over all count choices that keep every
    course's own fairness by the planner's rules: each role inside its box (within max(1,
    optimum) of its shares) and no region's hosting counts past the point where it would have
    to host twice in a row more often than at the fairest counts (the planner's repeat caps).

    The model works on counts, not sequences: slots that the same regions may take and share
    form one group, and its sessions are split among them (co-hosts per group and host), so
    the whole network solves as one model. Co-host boxes and caps are those of the planner's
    hosts (the co-hosts' masks depend on who hosts).

    Returns (best spread found, the solver's proven lower bound, whether it is optimal).
    """
    model = cp_model.CpModel()
    totals: dict[str, list] = defaultdict(list)
    for request, result in zip(network, results, strict=True):
        _course_counts(model, request, result, totals)
    bound = 10**9
    top = model.NewIntVar(-bound, bound, "top")
    bottom = model.NewIntVar(-bound, bound, "bottom")
    for terms in totals.values():
        model.Add(sum(terms) <= top)
        model.Add(sum(terms) >= bottom)
    model.Minimize(top - bottom)
    solver = _solver(300)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    value = solver.Value(top - bottom) / (2 * SCALE)
    bound = solver.BestObjectiveBound() / (2 * SCALE)
    return value, bound, status == cp_model.OPTIMAL


def _box(view: RoleView, best: list[int]) -> tuple[list[int], list[int]]:
    """The planner's box for a role from scratch: within max(1, optimum) of the shares, and
    no higher than the repeat caps allow."""
    lo, hi = fairness_box(best, view.share)
    open_pos = [p for p, m in enumerate(view.masks) if m and not view.is_locked[p]]
    fixed = [v if lk else None for v, lk in zip(view.values, view.is_locked, strict=True)]
    caps = repeat_caps(fixed, open_pos, view.masks, best)
    return lo, [min(h, max(b, c)) for h, b, c in zip(hi, best, caps, strict=True)]


def _course_counts(model, request: PlanRequest, result: PlanResult, totals) -> None:
    regions = sorted(request.regions, key=lambda r: r.code)
    codes = [r.code for r in regions]
    index = {c: i for i, c in enumerate(codes)}
    size = len(codes)
    host_view = role_view(request, result, "host")
    fixed = [0] * size
    groups: dict[tuple, int] = {}  # (mask, languages, time) -> open slots
    unhosted: list[tuple] = []  # held slots nobody may host: (languages, time)
    for p, (slot, a) in enumerate(in_order(request, result)):
        held = slot.starts_at.astimezone(HELSINKI).date() not in request.holidays
        if host_view.is_locked[p]:
            if a.host is not None:
                fixed[index[a.host]] += 1
            continue
        mask = host_view.masks[p]
        if not mask:
            if held:
                unhosted.append((slot.languages, slot.starts_at))
            continue
        # Slots differ in shares only by language and, for a late joiner, by time.
        moment = slot.starts_at if any(r.since for r in regions) else None
        key = (mask, slot.languages, moment or request.slots[0].starts_at)
        groups[key] = groups.get(key, 0) + 1
    best, _ = lex_optimal_counts(
        list(fixed), [k[0] for k, n in groups.items() for _ in range(n)], host_view.share
    )
    lo, hi = _box(host_view, best)
    hosts: list[tuple[tuple, dict]] = []
    counts: list[list] = [[] for _ in range(size)]
    for key, number in groups.items():
        xs = {r: model.NewIntVar(0, number, "") for r in _bits(key[0])}
        model.Add(sum(xs.values()) == number)
        for r, var in xs.items():
            counts[r].append(var)
        hosts.append((key, xs))
    for r in range(size):
        model.Add(sum(counts[r]) + fixed[r] >= lo[r])
        model.Add(sum(counts[r]) + fixed[r] <= hi[r])
        share = round(host_view.share[r] * SCALE)
        totals[codes[r]].append(2 * (SCALE * (sum(counts[r]) + fixed[r]) - share))
    if not request.cohost:
        return
    co_view = role_view(request, result, "cohost")
    co_best, _ = lex_optimal_counts([0] * size, [m for m in co_view.masks if m], co_view.share)
    co_slack = max(1.0, max(abs(c - s) for c, s in zip(co_best, co_view.share, strict=True)))
    co_counts: list[list] = [[] for _ in range(size)]
    co_share: list[list] = [[] for _ in range(size)]
    for languages, moment in unhosted:
        for code, part in cohost_shares(regions, languages, moment, None).items():
            co_share[index[code]].append(round(part * SCALE))
    for (mask, languages, moment), xs in hosts:
        for h, x in xs.items():
            for code, part in cohost_shares(regions, languages, moment, codes[h]).items():
                co_share[index[code]].append(round(part * SCALE) * x)
            rest = mask & ~(1 << h)
            if not rest:
                continue
            zs = {c: model.NewIntVar(0, 200, "") for c in _bits(rest)}
            model.Add(sum(zs.values()) == x)
            for c, z in zs.items():
                co_counts[c].append(z)
    tolerance = len(request.slots) // 2 + 2
    for r in range(size):
        total = SCALE * sum(co_counts[r])
        share = sum(co_share[r])
        bound = round(co_slack * SCALE) + tolerance
        model.Add(total - share <= bound)
        model.Add(share - total <= bound)
        totals[codes[r]].append(total - share)


# --------------------------------------------------------------------------- the comparison


def compare(
    network: list[PlanRequest],
    results: list[PlanResult],
    replans: list[tuple[int, PlanRequest, PlanResult]],
) -> None:
    started = time.perf_counter()
    print("exact comparison (OR-Tools CP-SAT, proven optimal unless said otherwise):")
    worse_dev = {"host": [], "cohost": []}
    above_optimum = {"host": 0, "cohost": 0}
    worse_rep = {"host": [], "cohost": []}
    unsolved = 0
    for k, (request, result) in enumerate(zip(network, results, strict=True)):
        for role in ("host", "cohost"):
            if role == "cohost" and not request.cohost:
                continue
            view = role_view(request, result, role)
            best = best_deviation(view)
            reps = fewest_repeats(view)
            if best is None or reps is None:
                unsolved += 1
                continue
            dev = deviation(view)
            if dev > max(1.0, best) + 2.0 / SCALE:
                worse_dev[role].append((k, dev, best))
            elif dev > best + 2.0 / SCALE:
                above_optimum[role] += 1
            if view.repeats > reps:
                worse_rep[role].append((k, view.repeats, reps))
    for role, name in (("host", "host"), ("cohost", "co-host")):
        print(
            f"  {name} deviation: planner worse than max(1, optimum) in "
            f"{len(worse_dev[role])} courses {_list(worse_dev[role])}; "
            f"inside +-1 but above the optimum (ledger tie-breaks) in {above_optimum[role]}"
        )
        print(
            f"  {name} repeats with the planner's counts: planner worse in "
            f"{len(worse_rep[role])} courses {_list(worse_rep[role])}"
        )
    extra = []
    unfair = 0
    total_planner = total_exact = 0
    for k, request, again in replans:
        best, fair = fewest_changes(results[k], request, again)
        if best is None:
            unsolved += 1
            continue
        unfair += not fair
        mine = changed_sessions(results[k], again)
        total_planner += mine
        total_exact += best
        if mine > best:
            extra.append((k, mine, best))
    print(
        f"  changes after the one-week closure of {CLOSED_REGION}: planner {total_planner}, "
        f"exact {total_exact} sessions over {len(replans)} courses; planner worse in "
        f"{len(extra)} {_list(extra)}; planner outside the fairness bounds in {unfair}"
    )
    peak, _ = weekly_peaks(network, results)
    exact_peak, peak_unsolved = reoptimise_load(network, results)
    print(
        f"  peak weekly load: planner {peak}, course-by-course exact re-optimisation "
        f"{exact_peak}" + (f" ({peak_unsolved} courses not solved)" if peak_unsolved else "")
    )
    gap, _ = spread(network, results)
    found = best_spread(network, results)
    if found is None:
        print(f"  network balance spread: planner {gap:.2f}, exact model not solved")
    else:
        best, bound, optimal = found
        proven = (
            ""
            if optimal
            else f" (best found in the time limit, not proven; proven lower bound {bound:.2f})"
        )
        print(
            f"  network balance spread after planning from scratch: planner {gap:.2f}, "
            f"exact {best:.2f}{proven}"
        )
    if unsolved:
        print(f"  models not solved to optimality: {unsolved}")
    print(f"  exact comparison took {time.perf_counter() - started:.0f} s")


def _list(items: list[tuple]) -> str:
    if not items:
        return ""
    shown = ", ".join(
        f"#{k} {a:g} vs {b:g}" if isinstance(a, float) else f"#{k} {a} vs {b}"
        for k, a, b in items[:8]
    )
    return f"({shown}{', …' if len(items) > 8 else ''})"
