"""POST /api/v1/courses/{id}/plan: re-planning keeps past, frozen and hand-set sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.hosting.conftest import local_day, sessions_of, start_at, weekday_in


def test_plan_answers_the_sessions_list(client, future_course, planners):
    course = future_course()
    response = client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["14"].headers)
    assert response.status_code == 200
    body = response.get_json()
    assert [s["id"] for s in body["sessions"]] == [s["id"] for s in course["sessions"]]
    assert set(body["sessions"][0]) >= {
        "id",
        "number",
        "starts_at",
        "ends_at",
        "host_region",
        "cohost_region",
        "status",
    }
    # Nothing changed: re-planning an unchanged course keeps every host.
    assert body["changed"] == []
    assert "problems" not in body
    assert [s["host_region"] for s in body["sessions"]] == [
        s["host_region"] for s in course["sessions"]
    ]


def test_admin_may_plan_any_course(client, future_course, admin):
    course = future_course()
    assert (
        client.post(f"/api/v1/courses/{course['id']}/plan", headers=admin.headers).status_code
        == 200
    )


def test_plan_permissions(client, future_course, make_user):
    course = future_course()
    url = f"/api/v1/courses/{course['id']}/plan"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=make_user("planner", "21").headers).status_code == 403
    assert client.post(url, headers=make_user("facilitator", "05").headers).status_code == 403
    missing = client.post("/api/v1/courses/999999/plan", headers=make_user("admin", None).headers)
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"


@pytest.fixture
def app_overrides():
    return {"FREEZE_DAYS": 21}


def test_replan_keeps_past_frozen_and_hand_set_sessions(client, make_course, planners, rows):
    """A closure added behind the planner's back: re-planning moves only the open sessions."""
    # Started three weeks ago; FREEZE_DAYS=21 freezes the next three weeks too.
    first = weekday_in(-3)
    course = make_course(planner=planners["03"], first_session=start_at(first), sessions=15)
    sessions = course["sessions"]
    hand_set = next(s for s in sessions[8:] if s["host_region"] != "14")
    response = client.patch(
        f"/api/v1/sessions/{hand_set['id']}",
        json={"host_region": "14"},
        headers=planners["03"].headers,
    )
    assert response.status_code == 200 and response.get_json()["host_set_by_hand"] is True
    # Region 14 closes for the whole series (rows written directly: no automatic re-plan).
    rows.closure("14", first, first + timedelta(weeks=30))
    before = {s["id"]: s for s in sessions_of(client, course["id"])}

    body = client.post(
        f"/api/v1/courses/{course['id']}/plan", headers=planners["05"].headers
    ).get_json()
    after = {s["id"]: s for s in body["sessions"]}
    now = datetime.now(UTC)
    horizon = now + timedelta(days=21)
    for session_id, old in before.items():
        new = after[session_id]
        kept = session_id == hand_set["id"] or datetime.fromisoformat(old["starts_at"]) <= horizon
        if kept:
            assert new["host_region"] == old["host_region"], old
        else:
            assert new["host_region"] != "14", new
    assert after[hand_set["id"]]["host_region"] == "14"
    moved = [i for i in before if before[i]["host_region"] != after[i]["host_region"]]
    assert sorted(moved) == body["changed"] and moved
    # Kept sessions that 14 hosts inside its closure are reported.
    reported = {(p["session"], p["reason"]) for p in body["problems"]}
    assert (hand_set["id"], "closure") in reported
    kept_by_14 = [
        s
        for s in before.values()
        if s["host_region"] == "14"
        and s["id"] != hand_set["id"]
        and now < datetime.fromisoformat(s["starts_at"]) <= horizon
    ]
    for s in kept_by_14:
        assert (s["id"], "closure") in reported


def test_unfillable_sessions_are_reported_with_200(client, future_course, planners, rows):
    # Only 05 serves Swedish; when 05 is closed nobody can host the Swedish sessions.
    course = future_course(regions=["05", "14"], languages=["sv"], weeks=6, sessions=4)
    first = local_day(course["sessions"][0]["starts_at"])
    rows.closure("05", first + timedelta(days=7), first + timedelta(days=7))
    response = client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["05"].headers)
    assert response.status_code == 200
    body = response.get_json()
    second = body["sessions"][1]
    assert second["host_region"] is None
    problem = next(p for p in body["problems"] if p["session"] == second["id"])
    assert problem["reason"] == "no_eligible_region"
    assert problem["role"] == "host"
    assert "2" in problem["detail"] and problem["detail"]


def test_plan_problem_detail_follows_the_language(client, future_course, planners, rows):
    course = future_course(regions=["05", "14"], languages=["sv"], weeks=6, sessions=2)
    first = local_day(course["sessions"][0]["starts_at"])
    rows.closure("05", first, first + timedelta(days=7))
    url = f"/api/v1/courses/{course['id']}/plan"
    fi = client.post(url, headers={**planners["05"].headers, "Accept-Language": "fi"}).get_json()
    sv = client.post(url, headers={**planners["05"].headers, "Accept-Language": "sv"}).get_json()
    assert fi["problems"][0]["detail"] != sv["problems"][0]["detail"]
    assert "Inget område" in sv["problems"][0]["detail"]


def test_replan_is_audited(client, future_course, planners, rows):
    course = future_course()
    client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["03"].headers)
    entries = rows.audit("course.replan")
    assert len(entries) == 1 and entries[0].object_id == str(course["id"])
