"""Benchmark of the rotation planner on a national-scale network (not a test).

22 organisers, 300 courses of 40 weekly sessions each, planned together with ``plan_network``;
then one region closes for one week and every affected course is re-planned keeping the
previous plan; then a year of the network is simulated (courses planned three weeks before
they start, closures announced during the year, affected courses re-planned) to see whether
the hosting ledger evens out.

Run from the repository root::

    python bench/rotation.py            # the figures
    python bench/rotation.py --exact    # and a comparison with an exact CP-SAT model

``--exact`` needs OR-Tools, which is not a dependency of the project: install it into the
virtualenv only for the benchmark with ``.venv/bin/pip install ortools``. It takes a few
minutes. Fair shares follow :mod:`scheduler.rotation.shares` (the one definition of fair).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler.rotation import (
    HELSINKI,
    Closure,
    PlanRequest,
    PlanResult,
    RegionSpec,
    Slot,
    finnish_holidays,
    plan,
    plan_network,
    weekly_dates,
)
from scheduler.rotation.eligibility import ineligibility_reason
from scheduler.rotation.fairness import lex_optimal_counts, max_deviation
from scheduler.rotation.shares import cohost_shares, host_shares, network_ledger

SEED = 2027
COURSES = 300
SESSIONS = 40
CODES = [f"{i:02d}" for i in range(1, 22)] + ["90"]
BILINGUAL = {"01", "03", "04", "05", "10", "17", "18", "90"}  # 17 is Swedish-majority
FI, SV, BOTH = frozenset({"fi"}), frozenset({"sv"}), frozenset({"fi", "sv"})
LANGS = {code: BOTH if code in BILINGUAL else FI for code in CODES}
WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.5, 1.5, 2.0, 3.0)
EPS = 1e-6
YEAR = 2027


def build_network(rng: random.Random) -> list[PlanRequest]:
    """300 courses with random participants, weights, languages, closures and start dates."""
    holidays = finnish_holidays([2027, 2028, 2029])
    closures: list[Closure] = []
    for code in CODES:
        for _ in range(rng.randint(0, 3)):
            start = date(2027, 1, 4) + timedelta(days=rng.randint(0, 600))
            closures.append(Closure(code, start, start + timedelta(days=7 * rng.randint(1, 4) - 1)))
    courses = []
    for number in range(COURSES):
        members = rng.sample(CODES, rng.randint(3, 8))
        equal = rng.random() < 0.5
        regions = tuple(
            RegionSpec(code, LANGS[code], 1.0 if equal else rng.choice(WEIGHTS)) for code in members
        )
        served = set().union(*(LANGS[c] for c in members))
        options = [FI, FI, FI, BOTH] + ([SV, BOTH] if "sv" in served else [])
        languages = rng.choice(options)
        day = date(2027, 1, 1) + timedelta(days=rng.randint(0, 364))
        first = datetime(day.year, day.month, day.day, rng.randint(9, 15), tzinfo=HELSINKI)
        duration = timedelta(minutes=rng.choice((60, 90, 120)))
        dates = weekly_dates(first, duration, SESSIONS, holidays)
        slots = tuple(
            Slot(key=number * 1000 + k, starts_at=s, ends_at=e, languages=languages)
            for k, (s, e) in enumerate(dates)
        )
        mine = tuple(c for c in closures if c.region in set(members))
        courses.append(
            PlanRequest(
                slots=slots,
                regions=regions,
                cohost=number % 3 == 0,
                closures=mine,
                holidays=frozenset(holidays),
            )
        )
    return courses


# --------------------------------------------------------------------------- one course's view


@dataclass
class RoleView:
    """One role of one planned course in time order: who may take each slot, the fair shares,
    what the planner chose."""

    codes: list[str]
    masks: list[int]  # eligible regions of each non-cancelled slot (0: nobody)
    locked: list[int | None]  # the fixed region of a locked slot, else None
    is_locked: list[bool]
    share: list[float]
    values: list[int | None]

    @property
    def counts(self) -> list[int]:
        out = [0] * len(self.codes)
        for v in self.values:
            if v is not None:
                out[v] += 1
        return out

    @property
    def repeats(self) -> int:
        return sum(1 for x, y in itertools.pairwise(self.values) if x is not None and x == y)

    def best_deviation(self) -> float:
        """The smallest largest deviation eligibility allows (the planner's own search)."""
        fixed = [0] * len(self.codes)
        for v, lk in zip(self.values, self.is_locked, strict=True):
            if lk and v is not None:
                fixed[v] += 1
        free = [m for m, lk in zip(self.masks, self.is_locked, strict=True) if m and not lk]
        best, _ = lex_optimal_counts(fixed, free, self.share)
        return max_deviation(best, self.share)


def in_order(request: PlanRequest, result: PlanResult) -> list[tuple[Slot, object]]:
    pairs = zip(request.slots, result.assignments, strict=True)
    return [(s, a) for s, a in sorted(pairs, key=lambda x: (x[0].starts_at, x[0].key))
            if not s.cancelled]  # fmt: skip


def role_view(request: PlanRequest, result: PlanResult, role: str) -> RoleView:
    regions = sorted(request.regions, key=lambda r: r.code)
    codes = [r.code for r in regions]
    index = {c: i for i, c in enumerate(codes)}
    masks, values, share, locked, is_locked = [], [], [0.0] * len(codes), [], []
    for slot, a in in_order(request, result):
        held = slot.starts_at.astimezone(HELSINKI).date() not in request.holidays
        mask = 0
        if held:
            for i, r in enumerate(regions):
                if ineligibility_reason(r, slot, request.closures, request.holidays) is None:
                    mask |= 1 << i
        if role == "host":
            value = a.host
            shares = host_shares(regions, slot.languages, slot.starts_at) if held else {}
        else:
            value = a.cohost
            mask = 0 if a.host is None else mask & ~(1 << index[a.host])
            shares = cohost_shares(regions, slot.languages, slot.starts_at, a.host) if held else {}
        for code, x in shares.items():
            share[index[code]] += x
        masks.append(mask)
        values.append(None if value is None else index[value])
        is_locked.append(slot.locked)
        locked.append(None if value is None or not slot.locked else index[value])
    return RoleView(codes, masks, locked, is_locked, share, values)


def deviation(view: RoleView) -> float:
    return max_deviation(view.counts, view.share)


def forced_repeats(masks: list[int], counts: list[int]) -> int:
    """A lower bound on the back-to-back repeats of any plan with these counts (per region, the
    most runs its sessions can form)."""
    total = 0
    for r, c in enumerate(counts):
        if not c:
            continue
        bit = 1 << r
        low = -(10**9)
        best = {(0, False): 0}
        for m in masks:
            nxt: dict[tuple[int, bool], int] = {}
            for (k, last), runs in best.items():
                if m & bit and k < c:
                    key = (k + 1, True)
                    nxt[key] = max(nxt.get(key, low), runs + (not last))
                if m != bit:
                    key = (k, False)
                    nxt[key] = max(nxt.get(key, low), runs)
            best = nxt
        total += c - max(v for (k, _), v in best.items() if k == c)
    return total


def weekly_load(
    network: list[PlanRequest], results: list[PlanResult]
) -> dict[tuple[str, int, int], int]:
    load: dict[tuple[str, int, int], int] = {}
    for request, result in zip(network, results, strict=True):
        for slot, a in zip(request.slots, result.assignments, strict=True):
            if slot.cancelled:
                continue
            year, week, _ = slot.starts_at.astimezone(HELSINKI).date().isocalendar()
            for code in (a.host, a.cohost):
                if code is not None:
                    load[(code, year, week)] = load.get((code, year, week), 0) + 1
    return load


def weekly_peaks(network: list[PlanRequest], results: list[PlanResult]) -> tuple[int, float]:
    """The busiest region-week (duties in all courses) and the mean duties per duty's week."""
    values = list(weekly_load(network, results).values())
    return max(values), sum(v * v for v in values) / sum(values)


def spread(network: list[PlanRequest], results: list[PlanResult]) -> tuple[float, dict]:
    balances = network_ledger(network, results).balances()
    return max(balances.values()) - min(balances.values()), balances


def changed_sessions(a: PlanResult, b: PlanResult) -> int:
    return sum(
        1
        for x, y in zip(a.assignments, b.assignments, strict=True)
        if (x.host, x.cohost) != (y.host, y.cohost)
    )


def with_previous(request: PlanRequest, result: PlanResult, **changes) -> PlanRequest:
    slots = tuple(
        replace(s, host=a.host, cohost=a.cohost)
        for s, a in zip(request.slots, result.assignments, strict=True)
    )
    return replace(request, slots=slots, keep_previous=True, **changes)


# --------------------------------------------------------------------------- scenarios


CLOSED_REGION, CLOSED_MONDAY = "03", date(2027, 10, 4)


def closure_scenario(
    network: list[PlanRequest], results: list[PlanResult]
) -> list[tuple[int, PlanRequest, PlanResult]]:
    """One region closes for one week: re-plan every course it takes part in that has a
    session that week, keeping the previous plan. Returns (course index, request, new plan)."""
    closure = Closure(CLOSED_REGION, CLOSED_MONDAY, CLOSED_MONDAY + timedelta(days=6))
    loads = weekly_load(network, results)
    out = []
    for number, (request, result) in enumerate(zip(network, results, strict=True)):
        if CLOSED_REGION not in {r.code for r in request.regions}:
            continue
        if not any(
            closure.start <= s.starts_at.astimezone(HELSINKI).date() <= closure.end
            for s in request.slots
        ):
            continue
        again_request = with_previous(
            request, result, closures=(*request.closures, closure), weekly_load=loads
        )
        out.append((number, again_request, plan(again_request)))
    return out


def simulate_year(network: list[PlanRequest], rng: random.Random, ledger: bool = True) -> float:
    """A year of the network: each course is planned (from scratch, with the ledger's balance
    of everything planned so far) three weeks before it starts; the year's closures (those of
    the benchmark starting in 2027) are announced three to eight weeks ahead and the courses
    they touch are re-planned keeping the previous plan (sessions in the past and within the
    14-day freeze kept). Returns the final balance spread (max - min over regions) of the whole
    plan."""
    announce = {}
    for request in network:
        for c in request.closures:
            if c.start.year == YEAR and (c.region, c.start, c.end) not in announce:
                announce[(c.region, c.start, c.end)] = c.start - timedelta(days=rng.randint(21, 56))
    events: list[tuple[date, int, object]] = []
    for key, day in announce.items():
        events.append((day, 0, Closure(*key)))
    for number, request in enumerate(network):
        first = min(s.starts_at for s in request.slots).astimezone(HELSINKI).date()
        events.append((first - timedelta(days=21), 1, number))
    events.sort(key=lambda e: (e[0], e[1], str(e[2])))
    known: list[Closure] = []
    planned: dict[int, tuple[PlanRequest, PlanResult]] = {}
    balances: dict[int, dict[str, float]] = {}
    loads: dict[int, dict[tuple[str, int, int], int]] = {}
    total_balance: dict[str, float] = {}
    total_load: dict[tuple[str, int, int], int] = {}

    def store(number: int, request: PlanRequest, result: PlanResult) -> None:
        for key, value in balances.pop(number, {}).items():
            total_balance[key] -= value
        for key, value in loads.pop(number, {}).items():
            total_load[key] -= value
        planned[number] = (request, result)
        balances[number] = network_ledger([request], [result]).balances()
        loads[number] = weekly_load([request], [result])
        for key, value in balances[number].items():
            total_balance[key] = total_balance.get(key, 0.0) + value
        for key, value in loads[number].items():
            total_load[key] = total_load.get(key, 0) + value

    def balance_without(skip: int) -> dict[str, float]:
        if not ledger:
            return {}
        own = balances.get(skip, {})
        return {k: v - own.get(k, 0.0) for k, v in total_balance.items()}

    def load_without(skip: int) -> dict[tuple[str, int, int], int]:
        own = loads.get(skip, {})
        return {k: v - own.get(k, 0) for k, v in total_load.items()}

    for day, kind, item in events:
        if kind == 1:
            request = network[item]
            members = {r.code for r in request.regions}
            request = replace(
                request,
                closures=tuple(c for c in known if c.region in members),
                balance=balance_without(item),
                weekly_load=load_without(item),
                keep_previous=False,
            )
            store(item, request, plan(request))
            continue
        closure = item
        known.append(closure)
        now = datetime(day.year, day.month, day.day, tzinfo=HELSINKI)
        frozen = now + timedelta(days=14)
        for number, (request, result) in list(planned.items()):
            if closure.region not in {r.code for r in request.regions}:
                continue
            touched = [
                s
                for s in request.slots
                if closure.start <= s.starts_at.astimezone(HELSINKI).date() <= closure.end
            ]
            if not touched:
                continue
            again = with_previous(
                request,
                result,
                closures=(*request.closures, closure),
                balance=balance_without(number),
                weekly_load=load_without(number),
            )
            slots = tuple(replace(s, locked=s.starts_at <= frozen) for s in again.slots)
            again = replace(again, slots=slots)
            store(number, again, plan(again))
    keys = sorted(planned)
    return spread([planned[k][0] for k in keys], [planned[k][1] for k in keys])[0]


# --------------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--exact", action="store_true", help="compare with an exact CP-SAT model (needs ortools)"
    )
    args = parser.parse_args(argv)
    network = build_network(random.Random(SEED))
    sessions = sum(len(r.slots) for r in network)
    cohosted = sum(len(r.slots) for r in network if r.cohost)

    timings, cpu = [], []
    results: list[PlanResult] = []
    for _ in range(5):
        started, started_cpu = time.perf_counter(), time.process_time()
        results = plan_network(network)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"network: {len(CODES)} organisers, {len(network)} courses, {sessions} sessions")
    print(f"  ({cohosted} of them also co-hosted)")
    print(
        f"full plan (plan_network), median of {len(timings)}: "
        f"{statistics.median(timings):.3f} s wall, {statistics.median(cpu):.3f} s CPU"
    )
    print(
        f"  runs: {', '.join(f'{t:.3f}' for t in timings)} s wall; "
        f"{', '.join(f'{t:.3f}' for t in cpu)} s CPU"
    )

    worst = {"host": 0.0, "cohost": 0.0}
    infeasible = {"host": 0, "cohost": 0}
    above_best = {"host": 0, "cohost": 0}
    found_repeats = {"host": 0, "cohost": 0}
    bound_repeats = {"host": 0, "cohost": 0}
    problems = 0
    for request, result in zip(network, results, strict=True):
        problems += len(result.problems)
        for role in ("host", "cohost"):
            if role == "cohost" and not request.cohost:
                continue
            view = role_view(request, result, role)
            dev = deviation(view)
            best = view.best_deviation()
            if best > 1 + EPS:
                infeasible[role] += 1
            else:
                worst[role] = max(worst[role], dev)
            if dev > max(1.0, best) + EPS:
                above_best[role] += 1
            found_repeats[role] += view.repeats
            bound_repeats[role] += min(view.repeats, forced_repeats(view.masks, view.counts))
    print(
        "largest share deviation where +-1 is feasible: "
        f"host {worst['host']:.3f}, co-host {worst['cohost']:.3f}"
    )
    print(
        "courses where constraints make +-1 infeasible: "
        f"host {infeasible['host']}, co-host {infeasible['cohost']} "
        f"(courses above the best reachable deviation: host {above_best['host']}, "
        f"co-host {above_best['cohost']})"
    )
    for role, name in (("host", "host"), ("cohost", "co-host")):
        found, forced = found_repeats[role], bound_repeats[role]
        print(
            f"consecutive {name} repeats: {found} in total, {forced} forced by the counts and "
            f"eligibility (lower bound), so at most {found - forced} avoidable"
        )
    alone = [plan(request) for request in network]
    peak, mean = weekly_peaks(network, results)
    peak_alone, mean_alone = weekly_peaks(network, alone)
    print(
        f"weekly load: busiest region-week {peak} duties, {mean:.2f} on average per duty "
        f"(courses planned one by one: {peak_alone} and {mean_alone:.2f})"
    )
    print(f"unplannable slots reported as problems: {problems}")
    gap, balances = spread(network, results)
    low = min(balances, key=balances.get)
    high = max(balances, key=balances.get)
    print(
        f"network balance spread after planning from scratch: {gap:.2f} sessions "
        f"({low} {balances[low]:+.2f} … {high} {balances[high]:+.2f})"
    )

    started = time.perf_counter()
    replans = closure_scenario(network, results)
    elapsed = time.perf_counter() - started
    changed = [changed_sessions(results[k], again) for k, _, again in replans]
    print(
        f"one-week closure of {CLOSED_REGION} from {CLOSED_MONDAY}: {len(replans)} courses "
        f"affected, re-planned in {elapsed:.3f} s"
    )
    print(
        f"  sessions changed per affected course: max {max(changed, default=0)}, "
        f"total {sum(changed)}"
    )

    started = time.perf_counter()
    year = simulate_year(network, random.Random(SEED + 1))
    year_without = simulate_year(network, random.Random(SEED + 1), ledger=False)
    print(
        f"a year of announced closures, courses planned as they come: balance spread "
        f"{year:.2f} sessions (without the ledger tie-breaker {year_without:.2f}); "
        f"simulated in {time.perf_counter() - started:.1f} s"
    )

    if args.exact:
        from rotation_exact import compare  # optional: needs ortools (see the docstring)

        compare(network, results, replans)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
