"""Attendance: only the hosting regions' staff mark it; counts per session and region
survive anonymisation; open groups are not counted here."""

from __future__ import annotations

import pytest

from scheduler.audit import AuditEntry
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from tests.conftest import PASSWORD
from tests.followup.conftest import local


@pytest.fixture
def hosted(closed_course, place_sessions, add_participant):
    """Session 1 (yesterday) hosted by 03 with 14 co-hosting; session 2 next week by 05."""
    course = closed_course(sessions=3, regions=["03", "05", "14"], cohost=True)
    ids = place_sessions(
        course["id"],
        [local(-1, 10), local(6, 10), local(-8, 10)],
        hosts={1: ("03", "14"), 2: ("05", "03"), 3: ("05", "03")},
        cancelled=(3,),
    )
    people = {
        "a": add_participant(course["id"], region="03", name="Aino Aalto"),
        "b": add_participant(course["id"], region="05", name="Bertil Berg", language="sv"),
        "c": add_participant(course["id"], region="05", name="Cecilia Carlsson"),
        "w": add_participant(course["id"], region="14", status="waitlisted", name="Ville Väinö"),
    }
    return course, ids, people


def put(client, session_id, user, present):
    return client.put(
        f"/api/v1/sessions/{session_id}/attendance", json={"present": present}, headers=user.headers
    )


def test_host_and_cohost_staff_mark_others_get_403(client, make_user, hosted):
    _course, (first, _second, _third), p = hosted
    host = make_user("facilitator", "03")
    cohost = make_user("planner", "14")
    response = put(client, first, host, [p["a"].id, p["b"].id, p["c"].id])
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "session": first,
        "present": 3,
        "regions": {"03": 1, "05": 2},
        "present_ids": sorted([p["a"].id, p["b"].id, p["c"].id]),
    }
    response = put(client, first, cohost, [p["a"].id, p["b"].id])
    assert response.status_code == 200
    assert response.get_json()["regions"] == {"03": 1, "05": 1}
    assert put(client, first, make_user("admin", None), [p["a"].id]).status_code == 200

    for outsider in (
        make_user("facilitator", "05"),
        make_user("planner", "05"),
        make_user("planner", "10"),
    ):
        refused = put(client, first, outsider, [p["b"].id])
        assert refused.status_code == 403
        assert refused.mimetype == "application/problem+json"
    assert (
        client.put(f"/api/v1/sessions/{first}/attendance", json={"present": []}).status_code == 401
    )
    assert put(client, 999999, host, []).status_code == 404


def test_bad_attendance_input(client, make_user, hosted):
    _course, (first, second, third), p = hosted
    host = make_user("facilitator", "03")
    for body in ({"present": "all"}, {"present": [1, "2"]}, {"present": [True]}, {}):
        response = client.put(
            f"/api/v1/sessions/{first}/attendance", json=body, headers=host.headers
        )
        assert response.status_code == 422
        assert "present" in response.get_json()["errors"]
    not_participant = put(client, first, host, [p["a"].id, p["w"].id])
    assert not_participant.status_code == 422
    assert str(p["w"].id) in not_participant.get_json()["errors"]["present"][0]
    # A session next week cannot be marked yet; a cancelled one never.
    assert put(client, second, make_user("facilitator", "05"), [p["a"].id]).status_code == 409
    assert put(client, third, make_user("facilitator", "05"), [p["a"].id]).status_code == 409
    with client.application.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "attendance.mark")
            )
            == 0
        )


def test_counts_api_for_planners_of_participating_regions(app, client, make_user, hosted):
    course, (first, _second, _third), p = hosted
    put(client, first, make_user("facilitator", "03"), [p["a"].id, p["b"].id, p["c"].id])
    url = f"/api/v1/courses/{course['id']}/attendance"
    planner = make_user("planner", "05")
    data = client.get(url, headers=planner.headers).get_json()
    assert data["present"] == 3 and data["regions"] == {"03": 1, "05": 2}
    by_number = {s["number"]: s for s in data["sessions"]}
    assert by_number[1]["marked"] is True and by_number[1]["present"] == 3
    assert by_number[1]["starts_at"].endswith(("+02:00", "+03:00"))
    assert by_number[2] == {**by_number[2], "marked": False, "present": 0, "regions": {}}
    assert by_number[3]["status"] == "cancelled"
    assert "Aino" not in str(data)  # no names

    assert client.get(url, headers=make_user("planner", "10").headers).status_code == 403
    assert client.get(url, headers=make_user("facilitator", "03").headers).status_code == 403
    assert client.get(url, headers=make_user("admin", None).headers).status_code == 200

    # Counts survive anonymisation (blanked applications) and even deleted applications.
    with app.app_context():
        anonymised = db.session.get(Application, p["b"].id)
        anonymised.name = anonymised.email = ""
        anonymised.anonymised_at = utcnow()
        db.session.delete(db.session.get(Application, p["c"].id))
        db.session.commit()
    assert client.get(url, headers=planner.headers).get_json()["regions"] == {"03": 1, "05": 2}
    # Re-marking the session later keeps the rows it can no longer show.
    assert put(client, first, make_user("facilitator", "03"), []).get_json()["regions"] == {"05": 2}


def test_open_groups_have_no_attendance_here(client, make_user, make_course, place_sessions):
    course = make_course(sessions=1, regions=["03"])
    (session_id,) = place_sessions(course["id"], [local(-1, 10)])
    assert put(client, session_id, make_user("facilitator", "03"), []).status_code == 409


def _sign_in(client, user) -> None:
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_attendance_page_shows_names_to_hosts_only_and_logs_the_view(
    app, client, make_user, hosted
):
    course, (first, _second, _third), p = hosted
    host = make_user("facilitator", "14")  # the co-host region
    _sign_in(client, host)
    page = client.get(f"/planner/sessions/{first}/attendance?lang=fi")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Aino Aalto" in text and "Bertil Berg" in text
    assert "Ville Väinö" not in text  # waitlisted
    assert f'<label for="present-{p["a"].id}">' in text

    saved = client.post(
        f"/planner/sessions/{first}/attendance", data={"present": [str(p["a"].id), str(p["c"].id)]}
    )
    assert saved.status_code == 302
    overview = client.get(saved.headers["Location"] + "?lang=fi").get_data(as_text=True)
    assert "Läsnäolot on tallennettu." in overview
    assert "Aino" not in overview  # counts only
    with app.app_context():
        views = list(
            db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "attendance.view"))
        )
        assert views and all(v.actor_id == host.id and v.object_id == str(first) for v in views)

    bad = client.post(f"/planner/sessions/{first}/attendance", data={"present": [str(p["w"].id)]})
    assert bad.status_code == 422

    client.post("/sign-out")
    _sign_in(client, make_user("facilitator", "05"))
    assert client.get(f"/planner/sessions/{first}/attendance").status_code == 403
    assert client.get(f"/planner/courses/{course['id']}/attendance").status_code == 200  # counts
    assert client.get("/planner/followup").status_code == 200
