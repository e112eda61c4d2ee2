"""Worked examples of the rotation planner on the three-region pilot (03, 05, 14)."""

from __future__ import annotations

import gc
import itertools
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from scheduler.rotation import (
    HELSINKI,
    Closure,
    PlanRequest,
    PlanResult,
    RegionSpec,
    Slot,
    eligible_hosts,
    finnish_holidays,
    ineligibility_reason,
    plan,
    plan_network,
    weekly_dates,
)

FI, SV, BOTH = frozenset({"fi"}), frozenset({"sv"}), frozenset({"fi", "sv"})
PILOT = (RegionSpec("03", BOTH), RegionSpec("05", BOTH), RegionSpec("14", FI))
HOLIDAYS = finnish_holidays([2027, 2028])
HOUR = timedelta(hours=1)


def course(
    first: datetime,
    count: int,
    languages: frozenset[str] = FI,
    regions: tuple[RegionSpec, ...] = PILOT,
    **options,
) -> PlanRequest:
    dates = weekly_dates(first, HOUR, count, HOLIDAYS)
    slots = tuple(
        Slot(key=i + 1, starts_at=s, ends_at=e, languages=languages)
        for i, (s, e) in enumerate(dates)
    )
    return PlanRequest(slots=slots, regions=regions, holidays=frozenset(HOLIDAYS), **options)


def hosts(result: PlanResult) -> list[str | None]:
    return [a.host for a in result.assignments]


def repeats(seq: list[str | None]) -> int:
    return sum(1 for a, b in itertools.pairwise(seq) if a is not None and a == b)


def monday_10(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=HELSINKI)


def test_finnish_course_rotates_evenly_week_by_week() -> None:
    request = course(monday_10(date(2027, 1, 4)), 12)
    result = plan(request)
    assert [s.starts_at.date() for s in request.slots][-1] == date(2027, 3, 22)
    assert Counter(hosts(result)) == {"03": 4, "05": 4, "14": 4}
    assert repeats(hosts(result)) == 0
    assert hosts(result)[:3] == ["03", "05", "14"]  # ties go by region code
    assert not result.problems
    assert all(a.cohost is None for a in result.assignments)


def test_swedish_course_is_never_hosted_by_a_finnish_only_region() -> None:
    result = plan(course(monday_10(date(2027, 1, 4)), 12, SV))
    assert Counter(hosts(result)) == {"03": 6, "05": 6}
    assert repeats(hosts(result)) == 0


def test_bilingual_course_needs_a_host_serving_both() -> None:
    result = plan(course(monday_10(date(2027, 1, 4)), 6, BOTH))
    assert set(hosts(result)) == {"03", "05"}


def test_closure_of_05_in_july() -> None:
    closure = Closure("05", date(2027, 7, 1), date(2027, 7, 31))
    request = course(monday_10(date(2027, 6, 7)), 12, closures=(closure,))
    result = plan(request)
    july = [
        a.host
        for s, a in zip(request.slots, result.assignments, strict=True)
        if s.starts_at.month == 7
    ]
    assert len(july) == 4 and "05" not in july
    assert Counter(hosts(result)) == {"03": 4, "05": 4, "14": 4}
    assert repeats(hosts(result)) == 0


def test_course_spanning_easter_skips_easter_monday_and_keeps_twelve_sessions() -> None:
    assert HOLIDAYS[date(2027, 3, 26)] == "Pitkäperjantai"
    assert HOLIDAYS[date(2027, 3, 29)] == "Toinen pääsiäispäivä"
    request = course(monday_10(date(2027, 3, 1)), 12)
    days = [s.starts_at.date() for s in request.slots]
    assert len(days) == 12
    assert date(2027, 3, 22) in days and date(2027, 4, 5) in days
    assert date(2027, 3, 29) not in days
    assert days[-1] == date(2027, 5, 24)
    # Same wall-clock time on both sides of the DST change of 28 March 2027.
    assert {s.starts_at.astimezone(HELSINKI).hour for s in request.slots} == {10}
    assert request.slots[3].starts_at.isoformat() == "2027-03-22T10:00:00+02:00"
    assert request.slots[4].starts_at.isoformat() == "2027-04-05T10:00:00+03:00"
    result = plan(request)
    assert Counter(hosts(result)) == {"03": 4, "05": 4, "14": 4}
    assert repeats(hosts(result)) == 0


def test_independence_day_is_skipped_and_nobody_hosts_on_it() -> None:
    request = course(monday_10(date(2027, 11, 8)), 6)
    days = [s.starts_at.date() for s in request.slots]
    assert date(2027, 12, 6) not in days and len(days) == 6
    assert days[-1] == date(2027, 12, 20)
    # A session put on Independence Day anyway cannot be hosted by anyone.
    start = monday_10(date(2027, 12, 6))
    slot = Slot(key=99, starts_at=start, ends_at=start + HOUR, languages=FI)
    result = plan(replace(request, slots=(*request.slots, slot)))
    assert result.assignments[-1].host is None
    (problem,) = result.problems
    assert problem.key == 99 and problem.role == "host"
    assert problem.reason == "no_eligible_region"
    assert "6 December 2027 at 10:00" in problem.detail
    assert "public holiday" in problem.detail
    for region in PILOT:
        assert ineligibility_reason(region, slot, (), request.holidays) == "holiday"


def test_weights_two_one_one() -> None:
    regions = (RegionSpec("03", BOTH, 2.0), RegionSpec("05", BOTH), RegionSpec("14", FI))
    result = plan(course(monday_10(date(2027, 1, 4)), 12, regions=regions))
    assert Counter(hosts(result)) == {"03": 6, "05": 3, "14": 3}
    assert repeats(hosts(result)) == 0
    assert hosts(result)[::2] == ["03"] * 6


def test_heavy_weight_repeats_only_as_much_as_it_must() -> None:
    regions = (RegionSpec("03", BOTH, 3.0), RegionSpec("05", BOTH))
    result = plan(course(monday_10(date(2027, 1, 4)), 8, regions=regions))
    assert Counter(hosts(result)) == {"03": 6, "05": 2}
    assert repeats(hosts(result)) == 3  # 6 of 8 sessions: at least 2*6 - 8 - 1


def test_cohost_rotates_too_and_is_never_the_host() -> None:
    result = plan(course(monday_10(date(2027, 1, 4)), 12, cohost=True))
    assert all(a.cohost is not None and a.cohost != a.host for a in result.assignments)
    assert Counter(a.cohost for a in result.assignments) == {"03": 4, "05": 4, "14": 4}
    assert repeats([a.cohost for a in result.assignments]) == 0
    assert repeats(hosts(result)) == 0


def test_impossible_slot_is_reported_not_guessed() -> None:
    week = (date(2027, 2, 8), date(2027, 2, 14))
    closures = (Closure("03", *week), Closure("05", date(2027, 2, 1), date(2027, 2, 14)))
    request = course(monday_10(date(2027, 1, 4)), 12, SV, closures=closures)
    result = plan(request)
    by_day = {s.starts_at.date(): a for s, a in zip(request.slots, result.assignments, strict=True)}
    assert by_day[date(2027, 2, 8)].host is None
    (problem,) = result.problems
    assert problem.key == by_day[date(2027, 2, 8)].key
    assert (problem.role, problem.reason) == ("host", "no_eligible_region")
    assert problem.detail.startswith(
        "No region can host the session on Monday 8 February 2027 at 10:00 (Helsinki time)"
    )
    assert "03 closed from 2027-02-08 to 2027-02-14" in problem.detail
    assert "05 closed from 2027-02-01 to 2027-02-14" in problem.detail
    assert "14 does not serve Swedish (sv)" in problem.detail
    # The other eleven sessions are shared as fairly as the closures allow.
    assert Counter(h for h in hosts(result) if h) == {"03": 6, "05": 5}


def test_cohost_problem_names_the_host() -> None:
    closure = Closure("05", date(2027, 1, 11), date(2027, 1, 17))
    result = plan(course(monday_10(date(2027, 1, 4)), 3, SV, cohost=True, closures=(closure,)))
    (problem,) = result.problems
    assert problem.role == "cohost" and problem.key == 2
    assert "03 is the host of this session" in problem.detail
    assert result.assignments[1] == result.assignments[1].__class__(2, "03", None)


def test_locked_and_cancelled_sessions_are_kept() -> None:
    request = course(monday_10(date(2027, 1, 4)), 12, cohost=True)
    slots = list(request.slots)
    slots[0] = replace(slots[0], locked=True, host="14", cohost="05")
    slots[5] = replace(slots[5], cancelled=True, host="03", cohost=None)
    result = plan(replace(request, slots=tuple(slots)))
    assert (result.assignments[0].host, result.assignments[0].cohost) == ("14", "05")
    assert (result.assignments[5].host, result.assignments[5].cohost) == ("03", None)
    counted = [a.host for i, a in enumerate(result.assignments) if i != 5]
    assert sorted(Counter(counted).values()) == [3, 4, 4]  # 11 sessions, shares 3.67
    assert repeats(counted) == 0


def test_one_week_closure_changes_few_sessions_when_replanning() -> None:
    regions = (*PILOT, RegionSpec("10", BOTH), RegionSpec("17", BOTH))
    request = course(monday_10(date(2027, 1, 4)), 40, regions=regions)
    first = plan(request)
    previous = tuple(
        replace(s, host=a.host) for s, a in zip(request.slots, first.assignments, strict=True)
    )
    closed = first.assignments[20].host
    day = request.slots[20].starts_at.date()
    closure = Closure(closed, day, day + timedelta(days=6))
    again = plan(replace(request, slots=previous, closures=(closure,)))
    moved = [
        i
        for i, (a, b) in enumerate(zip(first.assignments, again.assignments, strict=False))
        if a != b
    ]
    assert 20 in moved and len(moved) <= 3
    assert again.assignments[20].host != closed
    assert repeats(hosts(again)) == 0
    assert all(7 <= c <= 9 for c in Counter(hosts(again)).values())  # within one of 8


def test_replanning_without_keep_previous_plans_afresh() -> None:
    request = course(monday_10(date(2027, 1, 4)), 12)
    first = plan(request)
    shuffled = tuple(replace(s, host="14") for s in request.slots)
    assert plan(replace(request, slots=shuffled, keep_previous=False)) == first


def test_weekly_load_breaks_ties_and_network_planning_spreads_it() -> None:
    one = course(monday_10(date(2027, 1, 4)), 12)
    loaded = {("03", 2027, 1): 2}
    result = plan(replace(one, weekly_load=loaded))
    assert hosts(result)[0] != "03"
    two = replace(one, slots=tuple(replace(s, key=s.key + 100) for s in one.slots))
    first, second = plan_network([one, two])
    clashes = sum(
        1 for a, b in zip(first.assignments, second.assignments, strict=True) if a.host == b.host
    )
    assert clashes == 0
    assert Counter(hosts(second)) == {"03": 4, "05": 4, "14": 4}
    assert repeats(hosts(second)) == 0


def test_network_planning_leaves_the_garbage_collector_as_it_found_it() -> None:
    request = course(monday_10(date(2027, 1, 4)), 6)
    assert gc.isenabled()
    plan_network([request])
    assert gc.isenabled()
    gc.disable()
    try:
        plan_network([request])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_eligibility_helpers() -> None:
    start = monday_10(date(2027, 7, 5))
    slot = Slot(key=1, starts_at=start, ends_at=start + HOUR, languages=SV)
    closures = (Closure("05", date(2027, 7, 1), date(2027, 7, 31)),)
    assert eligible_hosts(slot, PILOT, closures, ()) == ["03"]
    assert ineligibility_reason(PILOT[0], slot, closures, ()) is None
    assert ineligibility_reason(PILOT[1], slot, closures, ()) == "closure"
    assert ineligibility_reason(PILOT[2], slot, closures, ()) == "language"
    assert ineligibility_reason(None, slot, closures, ()) == "not_participating"


def test_closure_uses_the_helsinki_date() -> None:
    # 23:30 UTC on 4 July is already 5 July in Helsinki.
    start = datetime(2027, 7, 4, 23, 30, tzinfo=HELSINKI).astimezone(HELSINKI)
    utc_start = datetime.fromisoformat("2027-07-04T23:30:00+00:00")
    slot = Slot(key=1, starts_at=utc_start, ends_at=utc_start + HOUR, languages=FI)
    closure = Closure("14", date(2027, 7, 5), date(2027, 7, 5))
    assert start.date() == date(2027, 7, 4)
    assert ineligibility_reason(PILOT[2], slot, (closure,), ()) == "closure"


def test_finnish_holidays_include_the_eves() -> None:
    days = finnish_holidays([2027, 2028])
    assert days[date(2027, 6, 25)] == "Juhannusaatto"
    assert days[date(2027, 12, 24)] == "Jouluaatto"
    assert days[date(2028, 6, 23)] == "Juhannusaatto"
    assert days[date(2027, 12, 6)] == "Itsenäisyyspäivä"
    assert date(2027, 5, 24) not in days


def test_weekly_dates_across_the_october_change() -> None:
    first = datetime(2027, 10, 18, 17, 30, tzinfo=HELSINKI)
    dates = weekly_dates(first, timedelta(minutes=90), 3, ())
    assert [s.isoformat() for s, _ in dates] == [
        "2027-10-18T17:30:00+03:00",
        "2027-10-25T17:30:00+03:00",
        "2027-11-01T17:30:00+02:00",
    ]
    assert all(e - s == timedelta(minutes=90) for s, e in dates)
    assert weekly_dates(first, HOUR, 0, ()) == []


def test_bad_input_is_refused() -> None:
    request = course(monday_10(date(2027, 1, 4)), 2)
    with pytest.raises(ValueError, match="weight"):
        plan(replace(request, regions=(RegionSpec("03", FI, 0.0),)))
    with pytest.raises(ValueError, match="unique"):
        plan(replace(request, regions=(PILOT[0], PILOT[0])))
    naive = replace(request.slots[0], starts_at=datetime(2027, 1, 4, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(replace(request, slots=(naive,)))


def test_no_regions_means_problems_for_every_session() -> None:
    result = plan(replace(course(monday_10(date(2027, 1, 4)), 2), regions=()))
    assert hosts(result) == [None, None]
    assert [p.key for p in result.problems] == [1, 2]
