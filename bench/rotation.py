"""Benchmark of the rotation planner on a national-scale network (not a test).

22 organisers, 300 courses of 40 weekly sessions each, planned together with ``plan_network``;
then one region closes for one week and every affected course is re-planned keeping the
previous plan. Run: ``python bench/rotation.py`` from the repository root. Prints figures and
exits 0; the targets are a full plan under 1 s, deviation at most 1 wherever the constraints
allow it, and at most 3 sessions changed per course by the one-week closure.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

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
from scheduler.rotation.fairness import lex_optimal_counts, max_deviation, shares

SEED = 2027
COURSES = 300
SESSIONS = 40
CODES = [f"{i:02d}" for i in range(1, 22)] + ["90"]
BILINGUAL = {"01", "03", "04", "05", "10", "17", "18", "90"}  # 17 is Swedish-majority
FI, SV, BOTH = frozenset({"fi"}), frozenset({"sv"}), frozenset({"fi", "sv"})
LANGS = {code: BOTH if code in BILINGUAL else FI for code in CODES}
WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.5, 1.5, 2.0, 3.0)


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


def counts_of(request: PlanRequest, result: PlanResult, role: str) -> tuple[list[int], int]:
    codes = sorted(r.code for r in request.regions)
    counts = dict.fromkeys(codes, 0)
    for slot, a in zip(request.slots, result.assignments, strict=True):
        value = a.host if role == "host" else a.cohost
        if not slot.cancelled and value is not None:
            counts[value] += 1
    return [counts[c] for c in codes], sum(counts.values())


def weights_of(request: PlanRequest) -> list[float]:
    return [r.weight for r in sorted(request.regions, key=lambda r: r.code)]


def best_deviation(request: PlanRequest, result: PlanResult, role: str) -> float:
    """The smallest largest deviation the constraints allow (given the hosts, for co-hosts)."""
    regions = sorted(request.regions, key=lambda r: r.code)
    masks = []
    for slot, a in zip(request.slots, result.assignments, strict=True):
        if slot.cancelled:
            continue
        mask = 0
        for i, r in enumerate(regions):
            if ineligibility_reason(r, slot, request.closures, request.holidays) is None:
                mask |= 1 << i
        if role == "cohost":
            if a.host is None:
                continue
            mask &= ~(1 << [r.code for r in regions].index(a.host))
        if mask:
            masks.append(mask)
    share = shares(len(masks), weights_of(request))
    best, _ = lex_optimal_counts([0] * len(regions), masks, share)
    return max_deviation(best, share)


def eligible_masks(request: PlanRequest) -> list[int]:
    """Eligible regions (bitmask over codes in order) of each non-cancelled slot in time order."""
    regions = sorted(request.regions, key=lambda r: r.code)
    out = []
    for slot in sorted(request.slots, key=lambda s: s.starts_at):
        if slot.cancelled:
            continue
        mask = 0
        for i, r in enumerate(regions):
            if ineligibility_reason(r, slot, request.closures, request.holidays) is None:
                mask |= 1 << i
        out.append(mask)
    return out


def forced_repeats(masks: list[int], counts: list[int]) -> int:
    """A lower bound on the back-to-back repeats of any plan with these host counts.

    Per region r hosting c sessions: the most runs its sessions can form (a small DP over the
    slots: r where only r may host, not r where r may not, free elsewhere), each run beyond
    the first being separated by another region's session. Repeats >= sum of (c - runs)."""
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


def repeats(request: PlanRequest, result: PlanResult) -> tuple[int, int]:
    """Back-to-back repeats of a host, and how many of them the host counts force."""
    pairs = sorted(
        zip(request.slots, result.assignments, strict=True), key=lambda x: x[0].starts_at
    )
    seq = [a.host for s, a in pairs if not s.cancelled]
    found = sum(1 for x, y in itertools.pairwise(seq) if x is not None and x == y)
    counts, _ = counts_of(request, result, "host")
    return found, forced_repeats(eligible_masks(request), counts)


def weekly_peaks(network: list[PlanRequest], results: list[PlanResult]) -> tuple[int, float]:
    """The busiest region-week (duties in all courses) and the mean duties per duty's week."""
    load: dict[tuple[str, int, int], int] = {}
    for request, result in zip(network, results, strict=True):
        for slot, a in zip(request.slots, result.assignments, strict=True):
            year, week, _ = slot.starts_at.astimezone(HELSINKI).date().isocalendar()
            for code in (a.host, a.cohost):
                if code is not None:
                    load[(code, year, week)] = load.get((code, year, week), 0) + 1
    values = list(load.values())
    return max(values), sum(v * v for v in values) / sum(values)


def main() -> int:
    rng = random.Random(SEED)
    network = build_network(rng)
    sessions = sum(len(r.slots) for r in network)
    cohosted = sum(len(r.slots) for r in network if r.cohost)

    timings, cpu = [], []
    results: list[PlanResult] = []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        results = plan_network(network)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"network: {len(CODES)} organisers, {len(network)} courses, {sessions} sessions")
    print(f"  ({cohosted} of them also co-hosted)")
    print(f"full plan (plan_network), median of 3: {statistics.median(timings):.3f} s wall")
    print(
        f"  runs: {', '.join(f'{t:.3f}' for t in timings)} s wall; "
        f"{', '.join(f'{t:.3f}' for t in cpu)} s CPU"
    )

    worst = {"host": 0.0, "cohost": 0.0}
    infeasible = {"host": 0, "cohost": 0}
    above_best = {"host": 0, "cohost": 0}
    total_repeats = forced = 0
    problems = 0
    for request, result in zip(network, results, strict=True):
        problems += len(result.problems)
        for role in ("host", "cohost"):
            if role == "cohost" and not request.cohost:
                continue
            counts, total = counts_of(request, result, role)
            dev = max_deviation(counts, shares(total, weights_of(request)))
            best = best_deviation(request, result, role)
            if best > 1 + 1e-9:
                infeasible[role] += 1
            else:
                worst[role] = max(worst[role], dev)
            if dev > max(1.0, best) + 1e-9:
                above_best[role] += 1
        found, bound = repeats(request, result)
        total_repeats += found
        forced += min(found, bound)
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
    print(
        f"consecutive host repeats: {total_repeats} in total, {forced} forced by the counts and "
        f"eligibility (lower bound), so at most {total_repeats - forced} avoidable"
    )
    alone = [plan(request) for request in network]
    peak, mean = weekly_peaks(network, results)
    peak_alone, mean_alone = weekly_peaks(network, alone)
    print(
        f"weekly load: busiest region-week {peak} duties, {mean:.2f} on average per duty "
        f"(courses planned one by one: {peak_alone} and {mean_alone:.2f})"
    )
    print(f"unplannable slots reported as problems: {problems}")

    # One region closes for one week: re-plan every course it takes part in that has a session
    # that week, keeping the previous plan (nothing locked).
    region, monday = "03", date(2027, 10, 4)
    closure = Closure(region, monday, monday + timedelta(days=6))
    loads: dict[tuple[str, int, int], int] = {}
    for request, result in zip(network, results, strict=True):
        for slot, a in zip(request.slots, result.assignments, strict=True):
            year, week, _ = slot.starts_at.astimezone(HELSINKI).date().isocalendar()
            for code in (a.host, a.cohost):
                if code is not None:
                    loads[(code, year, week)] = loads.get((code, year, week), 0) + 1
    changed = []
    duty = 0
    started = time.perf_counter()
    for request, result in zip(network, results, strict=True):
        if region not in {r.code for r in request.regions}:
            continue
        in_week = [
            (s, a)
            for s, a in zip(request.slots, result.assignments, strict=True)
            if closure.start <= s.starts_at.astimezone(HELSINKI).date() <= closure.end
        ]
        if not in_week:
            continue
        duty += any(region in (a.host, a.cohost) for _, a in in_week)
        slots = tuple(
            replace(s, host=a.host, cohost=a.cohost)
            for s, a in zip(request.slots, result.assignments, strict=True)
        )
        again = plan(
            replace(
                request,
                slots=slots,
                closures=(*request.closures, closure),
                weekly_load=loads,
                keep_previous=True,
            )
        )
        changed.append(
            sum(
                1
                for a, b in zip(result.assignments, again.assignments, strict=True)
                if (a.host, a.cohost) != (b.host, b.cohost)
            )
        )
    elapsed = time.perf_counter() - started
    print(
        f"one-week closure of {region} from {closure.start}: {len(changed)} courses affected "
        f"({duty} where {region} had a duty that week), re-planned in {elapsed:.3f} s"
    )
    print(
        f"  sessions changed per affected course: max {max(changed, default=0)}, "
        f"total {sum(changed)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
