"""PATCH /api/v1/sessions/{id}: hosts by hand (kept through re-planning), cancelling, and every
refusal: 409 for a region that cannot host, 422 for bad input, 403/404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.i18n import HELSINKI
from tests.hosting.conftest import local_day, sessions_of, start_at, weekday_in


def patch(client, session_id, body, staff, **headers):
    return client.patch(
        f"/api/v1/sessions/{session_id}", json=body, headers={**staff.headers, **headers}
    )


def other_host(session, regions=("03", "05", "14")):
    return next(code for code in regions if code != session["host_region"])


def test_set_host_by_hand_sticks_through_replanning(client, future_course, planners):
    course = future_course()
    target = course["sessions"][4]
    new_host = other_host(target)
    response = patch(client, target["id"], {"host_region": new_host}, planners["03"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["host_region"] == new_host and body["host_set_by_hand"] is True
    assert set(body) >= {"id", "number", "starts_at", "ends_at", "cohost_region", "status"}
    for _ in range(2):
        client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["05"].headers)
        again = {s["id"]: s for s in sessions_of(client, course["id"])}
        assert again[target["id"]]["host_region"] == new_host


def test_set_cohost_by_hand(client, future_course, planners):
    course = future_course(cohost=True)
    target = course["sessions"][3]
    free = next(
        c for c in ("03", "05", "14") if c not in (target["host_region"], target["cohost_region"])
    )
    body = patch(client, target["id"], {"cohost_region": free}, planners["14"]).get_json()
    assert body["cohost_region"] == free and body["host_set_by_hand"] is True
    body = patch(client, target["id"], {"cohost_region": None}, planners["14"]).get_json()
    assert body["cohost_region"] is None


def test_host_and_cohost_swap_roles_in_one_request(client, future_course, planners):
    course = future_course(cohost=True)
    target = course["sessions"][2]
    body = patch(
        client,
        target["id"],
        {"host_region": target["cohost_region"], "cohost_region": target["host_region"]},
        planners["03"],
    ).get_json()
    assert (body["host_region"], body["cohost_region"]) == (
        target["cohost_region"],
        target["host_region"],
    )


def test_admin_may_set_hosts(client, future_course, admin):
    course = future_course()
    target = course["sessions"][0]
    assert (
        patch(client, target["id"], {"host_region": other_host(target)}, admin).status_code == 200
    )


def test_cancel_and_restore(client, future_course, planners, rows):
    course = future_course()
    target = course["sessions"][5]
    body = patch(client, target["id"], {"status": "cancelled"}, planners["05"]).get_json()
    assert body["status"] == "cancelled" and body["host_region"] == target["host_region"]
    # Re-planning leaves a cancelled session alone.
    client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["05"].headers)
    again = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert again[target["id"]]["status"] == "cancelled"
    # Changing the host of a cancelled session needs it restored first.
    refused = patch(client, target["id"], {"host_region": other_host(target)}, planners["05"])
    assert refused.status_code == 409
    restored = patch(client, target["id"], {"status": "scheduled"}, planners["05"])
    assert restored.status_code == 200 and restored.get_json()["status"] == "scheduled"
    assert [e.changes["status"] for e in rows.audit("session.update")] == [
        ["scheduled", "cancelled"],
        ["cancelled", "scheduled"],
    ]


def test_release_lets_the_planner_choose_again(client, future_course, planners):
    course = future_course()
    target = course["sessions"][4]
    patch(client, target["id"], {"host_region": other_host(target)}, planners["03"])
    body = patch(client, target["id"], {"host_set_by_hand": False}, planners["03"]).get_json()
    assert body["host_set_by_hand"] is False


# --- 409: the region cannot host this session ----------------------------------------------------


def test_409_holiday(client, future_course, planners, rows):
    course = future_course(weeks=6)
    target = course["sessions"][2]
    # Move the session onto Independence Day (no session is ever laid out on a holiday).
    year = local_day(target["starts_at"]).year
    holiday = datetime(year, 12, 6, 10, tzinfo=HELSINKI).astimezone(UTC)
    if holiday <= datetime.now(UTC) + timedelta(days=1):
        holiday = holiday.replace(year=year + 1)
    rows.session(target["id"], starts_at=holiday, ends_at=holiday + timedelta(hours=1))
    for language, words in (("fi", "arkipyhä"), ("sv", "helgdag")):
        response = patch(
            client,
            target["id"],
            {"host_region": other_host(target)},
            planners["03"],
            **{"Accept-Language": language},
        )
        assert response.status_code == 409
        body = response.get_json()
        assert body["reason"] == "holiday"
        assert response.mimetype == "application/problem+json"
        assert words in body["detail"], body["detail"]
        assert body["errors"]["host_region"] == [body["detail"]]


def test_409_closure(client, future_course, planners, rows):
    course = future_course()
    target = course["sessions"][3]
    new_host = other_host(target)
    day = local_day(target["starts_at"])
    rows.closure(new_host, day - timedelta(days=2), day + timedelta(days=2))
    response = patch(client, target["id"], {"host_region": new_host}, planners["03"])
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "closure"
    assert (day - timedelta(days=2)).strftime("%Y") in body["detail"]


def test_409_language(client, future_course, planners):
    # Region 14 serves Finnish only; the course is held in both languages.
    course = future_course(languages=["fi", "sv"])
    target = course["sessions"][1]
    assert target["host_region"] != "14"
    response = patch(client, target["id"], {"host_region": "14"}, planners["03"])
    assert response.status_code == 409
    assert response.get_json()["reason"] == "language"


def test_409_not_participating(client, future_course, planners):
    course = future_course()
    response = patch(client, course["sessions"][1]["id"], {"host_region": "90"}, planners["03"])
    assert response.status_code == 409
    assert response.get_json()["reason"] == "not_participating"


def test_409_cohost_cannot_be_where_it_cannot_host(client, future_course, planners):
    course = future_course(cohost=True, languages=["fi", "sv"])
    target = course["sessions"][1]
    response = patch(client, target["id"], {"cohost_region": "14"}, planners["03"])
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "language" and "cohost_region" in body["errors"]


def test_409_host_is_already_the_cohost(client, future_course, planners):
    course = future_course(cohost=True)
    target = course["sessions"][1]
    response = patch(client, target["id"], {"host_region": target["cohost_region"]}, planners["03"])
    assert response.status_code == 409
    assert response.get_json()["reason"] == "is_cohost"


def test_409_session_already_started(client, make_course, planners):
    course = make_course(planner=planners["03"], first_session=start_at(weekday_in(-2)), sessions=4)
    past = course["sessions"][0]
    response = patch(client, past["id"], {"host_region": other_host(past)}, planners["03"])
    assert response.status_code == 409
    assert patch(client, past["id"], {"status": "cancelled"}, planners["03"]).status_code == 409


def test_refused_change_changes_nothing(client, future_course, planners, rows):
    course = future_course()
    target = course["sessions"][1]
    patch(client, target["id"], {"host_region": "90"}, planners["03"])
    assert rows.get_session(target["id"]).host_region == target["host_region"]
    assert rows.outbox() == [] or all(m.kind != "hosting.changes" for m in rows.outbox())


# --- 422, 403, 404 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"host_region": "99"}, "host_region"),
        ({"host_region": None}, "host_region"),
        ({"host_region": 5}, "host_region"),
        ({"cohost_region": "xx"}, "cohost_region"),
        ({"status": "done"}, "status"),
        ({"status": "cancelled", "host_region": "03"}, "status"),
        ({"host_set_by_hand": "yes"}, "host_set_by_hand"),
        ({"host_region": "03", "host_set_by_hand": False}, "host_set_by_hand"),
        ({"host_region": "03", "cohost_region": "03"}, "cohost_region"),
    ],
)
def test_422_for_bad_input(client, future_course, planners, body, field):
    course = future_course(sessions=2)
    response = patch(client, course["sessions"][1]["id"], body, planners["03"])
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_422_for_nothing_or_no_json(client, future_course, planners):
    course = future_course(sessions=2)
    session_id = course["sessions"][1]["id"]
    assert patch(client, session_id, {}, planners["03"]).status_code == 422
    response = client.patch(
        f"/api/v1/sessions/{session_id}", data="host=03", headers=planners["03"].headers
    )
    assert response.status_code == 422


def test_403_and_404(client, future_course, make_user):
    course = future_course(sessions=2)
    session_id = course["sessions"][1]["id"]
    body = {"host_region": "05"}
    assert client.patch(f"/api/v1/sessions/{session_id}", json=body).status_code == 401
    outsider = make_user("planner", "21")
    assert patch(client, session_id, body, outsider).status_code == 403
    assert patch(client, session_id, body, make_user("facilitator", "05")).status_code == 403
    assert patch(client, 999999, body, make_user("admin", None)).status_code == 404
