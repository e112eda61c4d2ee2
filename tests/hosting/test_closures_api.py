"""POST /api/v1/regions/{code}/closures: stored, and the courses in the period re-planned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.hosting.conftest import local_day, sessions_of, start_at, weekday_in


def close(client, code, body, staff):
    return client.post(f"/api/v1/regions/{code}/closures", json=body, headers=staff.headers)


def test_closure_is_created_and_courses_replanned(client, future_course, planners, rows):
    course = future_course(weeks=5, sessions=12)
    other = future_course(weeks=5, sessions=4, regions=["05", "03"])
    untouched = future_course(weeks=5, sessions=4, regions=["03", "05"])
    days = [local_day(s["starts_at"]) for s in course["sessions"]]
    start, end = days[3], days[7]
    response = close(
        client,
        "14",
        {"start": start.isoformat(), "end": end.isoformat(), "reason": "Kesätauko"},
        planners["14"],
    )
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("region", "start", "end", "reason")} == {
        "region": "14",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "reason": "Kesätauko",
    }
    assert isinstance(body["id"], int)
    # Only the course region 14 takes part in with sessions in the period.
    assert body["replanned"] == [course["id"]]
    assert other["id"] not in body["replanned"] and untouched["id"] not in body["replanned"]
    after = sessions_of(client, course["id"])
    for session in after:
        if start <= local_day(session["starts_at"]) <= end:
            assert session["host_region"] != "14"
    assert body["changed"]
    hosts = [s["host_region"] for s in after]
    # Over the whole series 14 still gets as close to its share as the closure allows.
    assert hosts.count("14") >= 3
    assert "problems" not in body
    assert rows.audit("closure.create")[0].changes == {
        "region": "14",
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


@pytest.fixture
def app_overrides():
    return {"FREEZE_DAYS": 10}


def test_closure_keeps_frozen_past_and_hand_set_sessions(client, make_course, planners):
    # Started two weeks ago, weekly: with FREEZE_DAYS=10 the next session or two are frozen.
    course = make_course(
        planner=planners["03"], first_session=start_at(weekday_in(-2)), sessions=12
    )
    sessions = course["sessions"]
    hand = next(s for s in sessions[6:] if s["host_region"] != "05")
    client.patch(
        f"/api/v1/sessions/{hand['id']}", json={"host_region": "05"}, headers=planners["03"].headers
    )
    before = {s["id"]: s for s in sessions_of(client, course["id"])}
    first, last = local_day(sessions[0]["starts_at"]), local_day(sessions[-1]["starts_at"])
    response = close(
        client, "05", {"start": first.isoformat(), "end": last.isoformat()}, planners["05"]
    )
    assert response.status_code == 201
    body = response.get_json()
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    now = datetime.now(UTC)
    horizon = now + timedelta(days=10)
    kept_by_05 = []
    for session_id, old in before.items():
        starts = datetime.fromisoformat(old["starts_at"])
        if session_id == hand["id"] or starts <= horizon:
            assert after[session_id]["host_region"] == old["host_region"]
            if old["host_region"] == "05" and starts > now:
                kept_by_05.append(session_id)
        else:
            assert after[session_id]["host_region"] != "05"
    assert hand["id"] in kept_by_05
    reported = {p["session"] for p in body["problems"] if p["reason"] == "closure"}
    assert set(kept_by_05) <= reported


def test_admin_may_close_any_region(client, admin):
    response = close(client, "21", {"start": "2027-07-01", "end": "2027-07-31"}, admin)
    assert response.status_code == 201
    assert response.get_json()["reason"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2027-07-31", "end": "2027-07-01"}, "end"),
        ({"end": "2027-07-01"}, "start"),
        ({"start": "2027-07-01"}, "end"),
        ({"start": "1.7.2027", "end": "2027-07-31"}, "start"),
        ({"start": 20270701, "end": "2027-07-31"}, "start"),
        ({"start": "2027-07-01", "end": "2031-07-31"}, "end"),
        ({"start": "2027-07-01", "end": "2027-07-31", "reason": "x" * 301}, "reason"),
        ({"start": "2027-07-01", "end": "2027-07-31", "reason": ["a"]}, "reason"),
    ],
)
def test_422_for_bad_closures(client, planners, body, field):
    response = close(client, "05", body, planners["05"])
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_closure_permissions(client, planners, make_user):
    body = {"start": "2027-07-01", "end": "2027-07-31"}
    assert client.post("/api/v1/regions/05/closures", json=body).status_code == 401
    assert close(client, "05", body, planners["03"]).status_code == 403
    assert close(client, "05", body, make_user("facilitator", "05")).status_code == 403
    assert close(client, "77", body, make_user("admin", None)).status_code == 404
    assert (
        client.post(
            "/api/v1/regions/05/closures", data="x", headers=planners["05"].headers
        ).status_code
        == 422
    )


def test_closures_are_listed(client, planners):
    close(
        client, "05", {"start": "2027-07-01", "end": "2027-07-31", "reason": "Kesä"}, planners["05"]
    )
    own = client.get("/api/v1/regions/05/closures", headers=planners["05"].headers)
    assert [c["reason"] for c in own.get_json()["closures"]] == ["Kesä"]
    # Another region's planner sees the dates, never the reason.
    listed = client.get("/api/v1/regions/05/closures", headers=planners["03"].headers)
    assert [(c["start"], c["reason"]) for c in listed.get_json()["closures"]] == [
        ("2027-07-01", None)
    ]
    later = client.get(
        "/api/v1/regions/05/closures?since=2027-08-01", headers=planners["03"].headers
    )
    assert later.get_json()["closures"] == []
    assert (
        client.get(
            "/api/v1/regions/05/closures?since=x", headers=planners["03"].headers
        ).status_code
        == 422
    )
