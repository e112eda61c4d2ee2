"""GET /api/v1/reports/hosting: hosted, co-hosted, share and target per region."""

from __future__ import annotations

import pytest

from scheduler.dbtypes import utcnow
from tests.hosting.conftest import local_day
from tests.meetings.helpers import place_session


def report(client, staff, start="2027-01-01", end="2027-12-31"):
    return client.get(f"/api/v1/reports/hosting?from={start}&to={end}", headers=staff.headers)


def test_report_counts_hosted_and_targets(client, make_course, planners):
    # 12 sessions, equal weights: target 4 each; 6 sessions with 05 weighted 2: 3 / 1.5 / 1.5.
    make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=12)
    make_course(
        planner=planners["05"],
        regions=["05", "03", "14"],
        host_weights={"05": 2},
        first_session="2027-02-02T12:00",
        sessions=6,
        cohost=True,
    )
    response = report(client, planners["14"])
    assert response.status_code == 200
    regions = {r["code"]: r for r in response.get_json()["regions"]}
    assert set(regions) == {"03", "05", "14"}
    # All in the future: planned, never hosted yet.
    assert sum(r["hosted"] for r in regions.values()) == 0
    assert sum(r["planned"] for r in regions.values()) == 18
    assert sum(r["cohost_planned"] for r in regions.values()) == 6
    assert regions["05"]["target"] == 7.0
    assert regions["03"]["target"] == 5.5 and regions["14"]["target"] == 5.5
    assert round(sum(r["share"] for r in regions.values()), 3) == 1.0
    for r in regions.values():
        assert r["share"] == round(r["planned"] / 18, 4)
        assert set(r) >= {"code", "hosted", "cohosted", "share", "target"}


def test_report_period_and_cancelled_sessions(client, make_course, planners):
    course = make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=6)
    sessions = course["sessions"]
    client.patch(
        f"/api/v1/sessions/{sessions[0]['id']}",
        json={"status": "cancelled"},
        headers=planners["03"].headers,
    )
    start = local_day(sessions[0]["starts_at"]).isoformat()
    end = local_day(sessions[2]["starts_at"]).isoformat()
    body = report(client, planners["03"], start, end).get_json()
    assert sum(r["hosted"] + r["planned"] for r in body["regions"]) == 2
    assert sum(r["target"] for r in body["regions"]) == pytest.approx(2.0, abs=0.02)
    assert body["sessions"] == 2


def test_language_limits_the_target(client, make_course, planners):
    # 14 serves Finnish only: it is not expected to host a Swedish course.
    make_course(
        planner=planners["05"],
        regions=["05", "14"],
        languages=["sv"],
        first_session="2027-01-05T10:00",
        sessions=4,
    )
    regions = {r["code"]: r for r in report(client, planners["05"]).get_json()["regions"]}
    assert regions["05"]["target"] == 4.0 and regions["05"]["planned"] == 4
    assert regions["14"]["target"] == 0.0 and regions["14"]["planned"] == 0


def test_empty_period(client, planners):
    body = report(client, planners["03"], "2030-01-01", "2030-01-31").get_json()
    assert body["regions"] == [] and body["sessions"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=tomorrow", "from"),
        ("from=2027-01-01&to=1.1.2027", "to"),
        ("from=2027-13-01&to=2027-12-31", "from"),
        ("from=2027-12-31&to=2027-01-01", "to"),
        ("from=2000-01-01&to=2027-01-01", "to"),
    ],
)
def test_422_for_bad_periods(client, planners, query, field):
    response = client.get(f"/api/v1/reports/hosting?{query}", headers=planners["03"].headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_missing_dates_default_to_this_year(client, planners):
    body = client.get("/api/v1/reports/hosting", headers=planners["03"].headers).get_json()
    assert body["from"].endswith("-01-01") and body["to"].endswith("-12-31")


def test_report_permissions(client, make_user):
    url = "/api/v1/reports/hosting?from=2027-01-01&to=2027-12-31"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=make_user("facilitator", "05").headers).status_code == 403
    assert client.get(url, headers=make_user("admin", None).headers).status_code == 200


def test_future_sessions_are_never_counted_as_hosted(app, client, make_course, planners):
    """Two sessions held (moved into the past), two still to come: hosted 2, planned 2."""
    from datetime import timedelta

    course = make_course(planner=planners["03"], sessions=4, regions=["03"])
    ids = [s["id"] for s in course["sessions"]]
    now = utcnow()
    place_session(app, ids[0], now - timedelta(days=8))
    place_session(app, ids[1], now - timedelta(days=1))
    place_session(app, ids[2], now + timedelta(days=6))
    place_session(app, ids[3], now + timedelta(days=13))
    start = (now - timedelta(days=30)).date().isoformat()
    end = (now + timedelta(days=30)).date().isoformat()
    body = report(client, planners["03"], start, end).get_json()
    region = {r["code"]: r for r in body["regions"]}["03"]
    assert (region["hosted"], region["planned"], body["planned"]) == (2, 2, 2)
    assert region["target"] == 4.0  # the fair share still covers the whole plan
