"""Swap requests: ask, accept (hosts swapped and kept), decline, withdraw, the inbox, and every
refusal (409 when a region cannot host the other session, when the request is no longer
pending, when the hosts changed since; 403, 404, 422)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.i18n import HELSINKI
from tests.hosting.conftest import local_day, sessions_of, start_at, weekday_in


def pair(course, first="03", second="05"):
    """An upcoming session hosted by `first` and one hosted by `second`."""
    sessions = course["sessions"]
    one = next(s for s in sessions if s["host_region"] == first)
    two = next(s for s in sessions if s["host_region"] == second)
    return one, two


def ask(client, session, other_id, staff):
    return client.post(
        f"/api/v1/sessions/{session['id']}/swap-requests",
        json={"session": other_id},
        headers=staff.headers,
    )


def answer(client, swap_id, action, staff):
    return client.post(f"/api/v1/swap-requests/{swap_id}/{action}", headers=staff.headers)


def test_request_and_accept_swaps_the_hosts(client, future_course, planners, rows):
    course = future_course()
    mine, theirs = pair(course)
    response = ask(client, mine, theirs["id"], planners["03"])
    assert response.status_code == 201
    swap = response.get_json()
    assert swap["status"] == "pending" and isinstance(swap["id"], int)

    inbox = client.get("/api/v1/swap-requests", headers=planners["05"].headers).get_json()
    assert [s["id"] for s in inbox["swap_requests"]] == [swap["id"]]
    assert inbox["swap_requests"][0]["session"]["id"] == mine["id"]
    assert (
        client.get("/api/v1/swap-requests", headers=planners["14"].headers).get_json()[
            "swap_requests"
        ]
        == []
    )
    outgoing = client.get("/api/v1/swap-requests", headers=planners["03"].headers).get_json()
    assert outgoing["swap_requests"] == [] and [s["id"] for s in outgoing["outgoing"]] == [
        swap["id"]
    ]

    accepted = answer(client, swap["id"], "accept", planners["05"])
    assert accepted.status_code == 200
    assert accepted.get_json()["id"] == swap["id"]
    assert accepted.get_json()["status"] == "accepted"
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[mine["id"]]["host_region"] == "05"
    assert after[theirs["id"]]["host_region"] == "03"
    assert after[mine["id"]]["host_set_by_hand"] and after[theirs["id"]]["host_set_by_hand"]
    # Re-planning keeps the agreed swap.
    client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["14"].headers)
    again = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert again[mine["id"]]["host_region"] == "05"
    assert again[theirs["id"]]["host_region"] == "03"
    # The inbox is empty again; the swap is audited.
    assert (
        client.get("/api/v1/swap-requests", headers=planners["05"].headers).get_json()[
            "swap_requests"
        ]
        == []
    )
    assert len(rows.audit("swap.request")) == 1 and len(rows.audit("swap.accept")) == 1


def test_accepting_when_the_new_host_cohosted_swaps_roles(client, future_course, planners):
    course = future_course(cohost=True)
    mine = next(
        s for s in course["sessions"] if s["host_region"] == "03" and s["cohost_region"] == "05"
    )
    theirs = next(
        s for s in course["sessions"] if s["host_region"] == "05" and s["id"] != mine["id"]
    )
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    assert answer(client, swap["id"], "accept", planners["05"]).status_code == 200
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert (after[mine["id"]]["host_region"], after[mine["id"]]["cohost_region"]) == ("05", "03")
    assert after[theirs["id"]]["host_region"] == "03"
    assert after[theirs["id"]]["cohost_region"] != "03"


def test_decline_and_withdraw(client, future_course, planners):
    course = future_course()
    mine, theirs = pair(course)
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    declined = answer(client, swap["id"], "decline", planners["05"])
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert {s["id"]: s["host_region"] for s in sessions_of(client, course["id"])}[
        mine["id"]
    ] == "03"
    again = ask(client, mine, theirs["id"], planners["03"]).get_json()
    withdrawn = answer(client, again["id"], "withdraw", planners["03"])
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"


def test_admin_may_answer(client, future_course, planners, admin):
    course = future_course()
    mine, theirs = pair(course)
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    assert answer(client, swap["id"], "accept", admin).status_code == 200


# --- 409 -----------------------------------------------------------------------------------------


def test_409_when_a_region_cannot_host_the_others_session_language(client, future_course, planners):
    finnish = future_course(regions=["14", "03", "05"])
    bilingual = future_course(regions=["03", "05", "14"], languages=["fi", "sv"], weeks=7)
    by_14 = next(s for s in finnish["sessions"] if s["host_region"] == "14")
    by_03 = next(s for s in bilingual["sessions"] if s["host_region"] == "03")
    response = ask(client, by_14, by_03["id"], planners["14"])
    assert response.status_code == 409
    assert response.get_json()["reason"] == "language"


def test_409_not_participating(client, future_course, planners):
    one = future_course(regions=["03", "05"])
    two = future_course(regions=["05", "14"], weeks=7)
    by_03 = next(s for s in one["sessions"] if s["host_region"] == "03")
    by_14 = next(s for s in two["sessions"] if s["host_region"] == "14")
    response = ask(client, by_03, by_14["id"], planners["03"])
    assert response.status_code == 409
    assert response.get_json()["reason"] == "not_participating"


def test_409_closure_at_accept(client, future_course, planners, rows):
    course = future_course()
    mine, theirs = pair(course)
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    # 05 closes on the day of the session it would take over (written directly, no re-plan).
    day = local_day(mine["starts_at"])
    rows.closure("05", day, day + timedelta(days=1))
    response = answer(client, swap["id"], "accept", planners["05"])
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "closure"
    assert "05" not in body["detail"] and body["detail"]
    # Nothing changed.
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[mine["id"]]["host_region"] == "03"


def test_409_holiday_at_accept(client, future_course, planners, rows):
    from datetime import UTC, datetime

    course = future_course()
    mine, theirs = pair(course)
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    year = local_day(mine["starts_at"]).year + 1
    holiday = datetime(year, 5, 1, 10, tzinfo=HELSINKI).astimezone(UTC)
    rows.session(mine["id"], starts_at=holiday, ends_at=holiday + timedelta(hours=1))
    response = answer(client, swap["id"], "accept", planners["05"])
    assert response.status_code == 409 and response.get_json()["reason"] == "holiday"


def test_409_when_no_longer_pending(client, future_course, planners):
    course = future_course()
    mine, theirs = pair(course)
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    assert answer(client, swap["id"], "decline", planners["05"]).status_code == 200
    for action, staff in (("accept", "05"), ("decline", "05"), ("withdraw", "03")):
        response = answer(client, swap["id"], action, planners[staff])
        assert response.status_code == 409, action
    accepted = ask(client, mine, theirs["id"], planners["03"]).get_json()
    assert answer(client, accepted["id"], "accept", planners["05"]).status_code == 200
    assert answer(client, accepted["id"], "accept", planners["05"]).status_code == 409


def test_409_when_hosts_changed_since(client, future_course, planners):
    course = future_course()
    mine, theirs = pair(course)
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    client.patch(
        f"/api/v1/sessions/{theirs['id']}",
        json={"host_region": "14"},
        headers=planners["05"].headers,
    )
    inbox = client.get("/api/v1/swap-requests", headers=planners["05"].headers).get_json()
    assert inbox["swap_requests"][0]["hosts_unchanged"] is False
    response = answer(client, swap["id"], "accept", planners["05"])
    assert response.status_code == 409
    assert "vaihtuneet" in response.get_json()["detail"]


def test_409_when_asking(client, future_course, make_course, planners):
    course = future_course()
    mine, theirs = pair(course)
    same_host = next(
        s for s in course["sessions"] if s["host_region"] == "03" and s["id"] != mine["id"]
    )
    assert ask(client, mine, same_host["id"], planners["03"]).status_code == 409
    # A request for the same pair is already waiting.
    assert ask(client, mine, theirs["id"], planners["03"]).status_code == 201
    assert ask(client, mine, theirs["id"], planners["03"]).status_code == 409
    # A cancelled session cannot be swapped.
    other = next(
        s for s in course["sessions"] if s["host_region"] == "05" and s["id"] != theirs["id"]
    )
    client.patch(
        f"/api/v1/sessions/{other['id']}",
        json={"status": "cancelled"},
        headers=planners["05"].headers,
    )
    assert ask(client, mine, other["id"], planners["03"]).status_code == 409
    # A session that already started cannot be swapped.
    old = make_course(planner=planners["03"], first_session=start_at(weekday_in(-3)), sessions=6)
    past = next(s for s in old["sessions"][:2] if s["host_region"] == "05")
    assert ask(client, mine, past["id"], planners["03"]).status_code == 409


def test_409_when_asking_for_a_session_the_region_cannot_host(
    client, future_course, planners, rows
):
    course = future_course()
    mine, theirs = pair(course)
    day = local_day(theirs["starts_at"])
    rows.closure("03", day, day)
    response = ask(client, mine, theirs["id"], planners["03"])
    assert response.status_code == 409
    assert response.get_json()["reason"] == "closure"


def test_409_when_a_session_has_no_host(client, future_course, planners, admin, rows):
    course = future_course()
    mine, theirs = pair(course)
    rows.session(theirs["id"], host_region=None)
    assert ask(client, mine, theirs["id"], planners["03"]).status_code == 409
    rows.session(mine["id"], host_region=None)
    assert ask(client, mine, theirs["id"], admin).status_code == 409


# --- 403, 404, 422 -------------------------------------------------------------------------------


def test_403_404_422(client, future_course, planners, make_user):
    course = future_course()
    mine, theirs = pair(course)
    # Only planners of the session's host region may ask.
    assert ask(client, mine, theirs["id"], planners["05"]).status_code == 403
    assert ask(client, mine, theirs["id"], make_user("facilitator", "03")).status_code == 403
    assert (
        client.post(
            f"/api/v1/sessions/{mine['id']}/swap-requests", json={"session": theirs["id"]}
        ).status_code
        == 401
    )
    assert ask(client, {"id": 999999}, theirs["id"], planners["03"]).status_code == 404
    for bad in ("x", None, True, 999999, mine["id"]):
        response = ask(client, mine, bad, planners["03"])
        assert response.status_code == 422, bad
        assert "session" in response.get_json()["errors"]
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    # Only the other region's planners may answer; only the asking region may withdraw.
    assert answer(client, swap["id"], "accept", planners["03"]).status_code == 403
    assert answer(client, swap["id"], "decline", planners["14"]).status_code == 403
    assert answer(client, swap["id"], "withdraw", planners["05"]).status_code == 403
    assert answer(client, 999999, "accept", planners["05"]).status_code == 404
    assert (
        client.get(
            "/api/v1/swap-requests", headers=make_user("facilitator", "05").headers
        ).status_code
        == 403
    )


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_answers_are_audited(client, future_course, planners, rows, action):
    course = future_course()
    mine, theirs = pair(course)
    swap = ask(client, mine, theirs["id"], planners["03"]).get_json()
    answer(client, swap["id"], action, planners["05"])
    assert len(rows.audit(f"swap.{action}")) == 1
