"""Staff pages at national scale: the rotation grid, the hosting report and the annual
calendar are built once per network change per process and shared by everyone asking the
same, yet a change shows at once; the annual calendar comes a page at a time."""

from __future__ import annotations

import re

from scheduler.reports import yearly
from tests.hosting.conftest import start_at, weekday_in
from tests.hosting.test_pages import sign_in


def test_rotation_grid_shows_a_change_at_once(client, future_course, planners):
    course = future_course(weeks=1, sessions=3, regions=["03", "05"])
    sign_in(client, planners["03"])
    path = f"/planner/rotation?from={weekday_in(1).isoformat()}&weeks=4"
    before = client.get(path).get_data(as_text=True)
    assert before.count('/rotation">') >= 3
    session = next(s for s in course["sessions"] if s["host_region"] == "03")
    changed = client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={"host_region": "05"},
        headers=planners["03"].headers,
    )
    assert changed.status_code == 200
    after = client.get(path).get_data(as_text=True)
    assert after != before
    hosts = re.findall(r'<td class="(host|cohost|)[^"]*">', after)
    assert hosts.count("host") == 3


def test_each_planner_keeps_their_own_page_around_a_shared_grid(app, future_course, planners):
    future_course(weeks=1, sessions=3, regions=["03", "05"])
    one, two = app.test_client(), app.test_client()
    sign_in(one, planners["03"])
    sign_in(two, planners["03"])
    path = "/planner/rotation?scope=all"
    first, second = one.get(path).get_data(as_text=True), two.get(path).get_data(as_text=True)
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    grid = re.compile(r'<table class="table rota">.*?</table>', re.S)
    assert grid.search(first).group(0) == grid.search(second).group(0)
    assert token.search(first).group(1) != token.search(second).group(1)


def test_hosting_report_counts_what_it_did_before(client, future_course, planners, rows):
    course = future_course(weeks=1, sessions=6, regions=["03", "05", "14"], cohost=True)
    rows.session(course["sessions"][0]["id"], status="cancelled")
    rows.session(course["sessions"][1]["id"], host_region=None)
    answer = client.get(
        f"/api/v1/reports/hosting?from={weekday_in(0).isoformat()}&to={weekday_in(12).isoformat()}",
        headers=planners["03"].headers,
    ).get_json()
    assert answer["sessions"] == 5 and answer["unhosted"] == 1
    # The course lies ahead: nothing is hosted yet, everything is still to host (planned).
    assert all(region["hosted"] == region["cohosted"] == 0 for region in answer["regions"])
    assert answer["planned"] == 5
    assert sum(region["planned"] for region in answer["regions"]) == 4
    assert sum(region["cohost_planned"] for region in answer["regions"]) == 5
    assert abs(sum(region["target"] for region in answer["regions"]) - 5) < 0.05


def test_annual_calendar_comes_a_page_at_a_time(client, make_course, planners, monkeypatch):
    monkeypatch.setattr(yearly, "PER_PAGE", 2)
    for number in range(3):
        make_course(
            planner=planners["03"],
            title={"fi": f"Vuosikurssi {number}", "sv": ""},
            first_session=start_at(weekday_in(2 + number)),
            sessions=2,
        )
    sign_in(client, planners["03"])
    year = weekday_in(2).year
    first = client.get(f"/reports/year?year={year}&lang=fi").get_data(as_text=True)
    assert "Vuosikurssi 0" in first and "Vuosikurssi 1" in first
    assert "Vuosikurssi 2" not in first and "Sivu 1 / 2." in first
    assert f"/reports/year?year={year}&amp;page=2" in first
    second = client.get(f"/reports/year?year={year}&page=2&lang=fi").get_data(as_text=True)
    assert "Vuosikurssi 2" in second and "Vuosikurssi 0" not in second
