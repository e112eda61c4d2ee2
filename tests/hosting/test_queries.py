"""No N+1: the grids, the inbox and the balance report run a constant number of queries
whatever the number of sessions, courses or requests."""

from __future__ import annotations

from tests.hosting.conftest import local_day
from tests.hosting.test_pages import sign_in


def queries_for(client, count_queries, path):
    with count_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def test_course_grid_queries_do_not_grow(client, future_course, planners, count_queries, rows):
    small = future_course(sessions=3)
    large = future_course(sessions=40, cohost=True)
    for course in (small, large):
        day = local_day(course["sessions"][1]["starts_at"])
        rows.closure("14", day, day)
    sign_in(client, planners["03"])
    few = queries_for(client, count_queries, f"/planner/courses/{small['id']}/rotation")
    many = queries_for(client, count_queries, f"/planner/courses/{large['id']}/rotation")
    assert few == many, (few, many)


def test_network_grid_queries_do_not_grow(client, future_course, planners, count_queries):
    future_course(weeks=1, sessions=4)
    sign_in(client, planners["03"])
    few = queries_for(client, count_queries, "/planner/rotation?scope=all&weeks=8")
    for weeks in range(1, 5):
        future_course(weeks=weeks, sessions=8, regions=["05", "14", "03"], cohost=True)
    many = queries_for(client, count_queries, "/planner/rotation?scope=all&weeks=8")
    assert few == many, (few, many)


def test_report_queries_do_not_grow(client, future_course, planners, count_queries):
    future_course(sessions=2)
    sign_in(client, planners["03"])
    path = "/planner/reports/hosting?from=2026-01-01&to=2030-12-31"
    few = queries_for(client, count_queries, path)
    for weeks in range(2, 6):
        future_course(weeks=weeks, sessions=10, regions=["05", "14"])
    many = queries_for(client, count_queries, path)
    assert few == many, (few, many)


def test_inbox_queries_do_not_grow(client, future_course, planners, count_queries):
    course = future_course(sessions=12)
    by_03 = [s for s in course["sessions"] if s["host_region"] == "03"]
    by_05 = [s for s in course["sessions"] if s["host_region"] == "05"]

    def ask(mine, theirs):
        response = client.post(
            f"/api/v1/sessions/{mine['id']}/swap-requests",
            json={"session": theirs["id"]},
            headers=planners["03"].headers,
        )
        assert response.status_code == 201

    ask(by_03[0], by_05[0])
    sign_in(client, planners["05"])
    few = queries_for(client, count_queries, "/planner/swap-requests")
    for mine, theirs in zip(by_03[1:], by_05[1:], strict=False):
        ask(mine, theirs)
    other = future_course(sessions=6, weeks=8)
    ask(
        next(s for s in other["sessions"] if s["host_region"] == "03"),
        next(s for s in other["sessions"] if s["host_region"] == "05"),
    )
    many = queries_for(client, count_queries, "/planner/swap-requests")
    assert few == many, (few, many)


def test_api_report_queries_do_not_grow(client, future_course, planners, count_queries):
    future_course(sessions=2)
    path = "/api/v1/reports/hosting?from=2026-01-01&to=2030-12-31"
    with count_queries() as few:
        client.get(path, headers=planners["03"].headers)
    for weeks in range(2, 5):
        future_course(weeks=weeks, sessions=10)
    with count_queries() as many:
        client.get(path, headers=planners["03"].headers)
    assert len(few) == len(many)
