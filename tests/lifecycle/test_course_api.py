"""PATCH /courses/{id}, POST /courses/{id}/cancel, …/sessions and …/copy: every rule, every
409 and 422, and that re-planning keeps past, frozen and hand-set sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.content.models import Material, SessionMaterial
from scheduler.courses.models import CourseRegion
from scheduler.extensions import db
from tests.lifecycle.conftest import (
    lifecycle_mail,
    local,
    local_day,
    sessions_of,
    start_at,
    weekday_in,
)

REASON = {"fi": "Liian vähän osallistujia.", "sv": "För få deltagare."}


def patch(client, course_id, body, staff):
    return client.patch(f"/api/v1/courses/{course_id}", json=body, headers=staff.headers)


# --- edit ----------------------------------------------------------------------------------------


def test_edit_texts_keeps_sessions_and_the_other_language(client, future_course, planners):
    course = future_course()
    response = patch(client, course["id"], {"title": {"fi": "Uusi nimi"}}, planners["05"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == {"fi": "Uusi nimi", "sv": "Motionsstund"}
    assert body["status"] == "active" and body["changed"] == ["title"]
    assert [s["host_region"] for s in body["sessions"]] == [
        s["host_region"] for s in course["sessions"]
    ]
    assert client.get(f"/api/v1/courses/{course['id']}").get_json()["title"]["fi"] == "Uusi nimi"


def test_edit_rejects_bad_values_and_fixed_fields(client, future_course, planners):
    course = future_course()
    cases = [
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"languages": ["en"]}, "languages"),
        ({"regions": ["05", "05"]}, "regions"),
        ({"host_weights": {"21": 2}}, "host_weights"),
        ({"title": {"fi": "", "sv": ""}}, "title"),
        ({"meeting": {"provider": "static", "url": "http://plain.example.org"}}, "meeting"),
        ({"capacity": 10}, "capacity"),  # an open group has no places
        ({"first_session": "2030-01-01T10:00"}, "first_session"),
        ({"kind": "closed"}, "kind"),
        ({"colour": "red"}, "colour"),
    ]
    for body, field in cases:
        response = patch(client, course["id"], body, planners["03"])
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["errors"], (body, response.get_json())
    assert patch(client, course["id"], {}, planners["03"]).status_code == 422
    same_kind = patch(
        client, course["id"], {"kind": "open", "duration_minutes": 75}, planners["03"]
    )
    assert same_kind.status_code == 200


def test_edit_permissions(client, future_course, planners, make_user, admin):
    course = future_course()
    assert (
        patch(
            client, course["id"], {"duration_minutes": 45}, make_user("planner", "21")
        ).status_code
        == 403
    )
    assert (
        patch(
            client, course["id"], {"duration_minutes": 45}, make_user("facilitator", "03")
        ).status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/courses/{course['id']}", json={"duration_minutes": 45}).status_code
        == 401
    )
    assert patch(client, 999999, {"duration_minutes": 45}, planners["03"]).status_code == 404
    # A planner may not take their own region out; an admin may.
    own = patch(client, course["id"], {"regions": ["05", "14"]}, planners["03"])
    assert own.status_code == 403
    assert patch(client, course["id"], {"regions": ["05", "14"]}, admin).status_code == 200


def test_capacity_below_accepted_is_a_conflict(client, closed_course, planners, applicant):
    course = closed_course(capacity=5)
    for _ in range(3):
        applicant(course["id"], "05")
    refused = patch(client, course["id"], {"capacity": 2}, planners["05"])
    assert refused.status_code == 409
    assert "3" in refused.get_json()["detail"] and "capacity" in refused.get_json()["errors"]
    assert patch(client, course["id"], {"capacity": 3}, planners["05"]).get_json()["capacity"] == 3


def test_removing_a_region_with_applicants_is_a_conflict(
    client, closed_course, planners, applicant, admin
):
    course = closed_course()
    applicant(course["id"], "14")
    refused = patch(client, course["id"], {"regions": ["03", "05"]}, admin)
    assert refused.status_code == 409 and "regions" in refused.get_json()["errors"]
    waiting = closed_course()
    applicant(waiting["id"], "14", status="submitted")
    assert patch(client, waiting["id"], {"regions": ["03", "05"]}, admin).status_code == 409
    rejected = closed_course()
    applicant(rejected["id"], "14", status="rejected")
    assert patch(client, rejected["id"], {"regions": ["03", "05"]}, admin).status_code == 200


def test_removing_a_region_replans_its_sessions_but_keeps_frozen_ones(
    client, future_course, planners, rows, admin
):
    course = future_course(weeks=1, sessions=8)
    # The sessions within the freeze horizon are kept; 14's frozen duty blocks its leaving.
    frozen_14 = [
        s for s in course["sessions"][:2] if "14" in (s["host_region"], s["cohost_region"])
    ]
    if frozen_14:
        refused = patch(client, course["id"], {"regions": ["03", "05"]}, admin)
        assert refused.status_code == 409
        for session in frozen_14:
            rows.session(session["id"], host_region="03", cohost_region=None, host_set_by_hand=True)
    later = next(s for s in course["sessions"][3:] if s["host_region"] != "14")
    client.patch(
        f"/api/v1/sessions/{later['id']}", json={"host_region": "05"}, headers=admin.headers
    )
    response = patch(client, course["id"], {"regions": ["03", "05"]}, admin)
    assert response.status_code == 200, response.get_json()
    after = {s["id"]: s for s in response.get_json()["sessions"]}
    assert all(s["host_region"] in ("03", "05") for s in after.values())
    assert after[later["id"]]["host_region"] == "05"  # hand-set kept
    assert response.get_json()["regions"] == ["03", "05"]


def test_language_change_that_leaves_a_frozen_session_without_host_is_refused(
    client, future_course, planners, rows
):
    course = future_course(weeks=1, sessions=6)
    first = course["sessions"][0]
    rows.session(first["id"], host_region="14", cohost_region=None)  # Finnish only, frozen
    refused = patch(client, course["id"], {"languages": ["fi", "sv"]}, planners["03"])
    assert refused.status_code == 409, refused.get_json()
    body = refused.get_json()
    assert "languages" in body["errors"]
    assert any("Pohjois-Karjala" in m or "ruotsi" in m.lower() for m in body["errors"]["languages"])
    # Nothing of the edit stayed.
    again = client.get(f"/api/v1/courses/{course['id']}").get_json()
    assert again["languages"] == ["fi"]
    assert {s["id"]: s for s in again["sessions"]}[first["id"]]["host_region"] == "14"


def test_language_change_replans_who_can_host(client, future_course, planners):
    course = future_course(weeks=4, sessions=6)
    response = patch(client, course["id"], {"languages": ["fi", "sv"]}, planners["03"])
    assert response.status_code == 200, response.get_json()
    coming = response.get_json()["sessions"]
    assert all(s["host_region"] in ("03", "05") for s in coming)  # 14 serves Finnish only


def test_weights_cohost_and_new_region(client, future_course, planners):
    course = future_course(weeks=4, sessions=9)
    response = patch(
        client,
        course["id"],
        {"regions": ["03", "05", "14", "90"], "host_weights": {"05": 3}, "cohost": True},
        planners["03"],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["regions"] == ["03", "05", "14", "90"]
    assert body["host_weights"] == {"03": 1.0, "05": 3.0, "14": 1.0, "90": 1.0}
    assert body["cohost"] is True
    hosts = [s["host_region"] for s in body["sessions"]]
    assert hosts.count("05") >= 3
    assert all(
        s["cohost_region"] and s["cohost_region"] != s["host_region"] for s in body["sessions"]
    )


def test_duration_change_moves_the_coming_sessions(
    client, closed_course, planners, applicant, rows
):
    course = closed_course(weeks=4, sessions=3)
    person = applicant(course["id"], "03")
    response = patch(client, course["id"], {"duration_minutes": 90}, planners["03"])
    assert response.status_code == 200
    for session in response.get_json()["sessions"]:
        assert session["ends_at"] != session["starts_at"]
    mail = lifecycle_mail(rows, "session_moved")
    assert [m.recipient for m in mail].count(person.email) == 1


def test_meeting_change_tells_participants(client, closed_course, planners, applicant, rows):
    course = closed_course(weeks=4, sessions=3)
    person = applicant(course["id"], "05", "sv")
    body = {"meeting": {"provider": "static", "url": "https://meet.example.org/new-room"}}
    assert patch(client, course["id"], body, planners["03"]).status_code == 200
    [message] = [m for m in lifecycle_mail(rows, "link_changed") if m.recipient == person.email]
    assert message.language == "sv"
    assert "/join/p/" in message.body and "new-room" not in message.body


def test_a_cancelled_course_cannot_be_edited(client, future_course, planners):
    course = future_course()
    client.post(
        f"/api/v1/courses/{course['id']}/cancel",
        json={"reason": REASON},
        headers=planners["03"].headers,
    )
    assert patch(client, course["id"], {"duration_minutes": 45}, planners["03"]).status_code == 409


# --- cancel the course -------------------------------------------------------------------------


def test_cancel_course(client, closed_course, planners, applicant, rows, place):
    course = closed_course(weeks=2, sessions=4)
    past = course["sessions"][0]
    place(past["id"], local(-1, 10))
    accepted = applicant(course["id"], "03")
    waiting = applicant(course["id"], "05", "sv", status="waitlisted")
    rejected = applicant(course["id"], "14", status="rejected")
    response = client.post(
        f"/api/v1/courses/{course['id']}/cancel",
        json={"reason": REASON},
        headers=planners["05"].headers,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == REASON
    by_id = {s["id"]: s for s in body["sessions"]}
    assert by_id[past["id"]]["status"] == "scheduled"  # already held
    assert all(by_id[s["id"]]["status"] == "cancelled" for s in course["sessions"][1:])
    mail = lifecycle_mail(rows, "course_cancelled")
    recipients = [m.recipient for m in mail]
    assert recipients.count(accepted.email) == 1 and recipients.count(waiting.email) == 1
    assert rejected.email not in recipients
    hosts = {s["host_region"] for s in course["sessions"][1:]} | {
        s["cohost_region"] for s in course["sessions"][1:] if s["cohost_region"]
    }
    for code in hosts:
        assert recipients.count(planners[code].email) == 1
    # A cancelled course takes no applications and its join page says so.
    apply = client.post(
        f"/api/v1/courses/{course['id']}/applications",
        json={
            "name": "Aino",
            "email": "aino@example.org",
            "region": "05",
            "language": "fi",
            "consent": True,
            "on_behalf": False,
        },
    )
    assert apply.status_code == 409
    page = client.get(f"/join/{course['id']}?lang=fi").get_data(as_text=True)
    assert "peruttu" in page
    # Cancelling again changes nothing; no other change is allowed.
    count = len(lifecycle_mail(rows))
    assert (
        client.post(
            f"/api/v1/courses/{course['id']}/cancel",
            json={"reason": REASON},
            headers=planners["05"].headers,
        ).status_code
        == 200
    )
    assert len(lifecycle_mail(rows)) == count
    add = client.post(
        f"/api/v1/courses/{course['id']}/sessions",
        json={"count": 1},
        headers=planners["05"].headers,
    )
    assert add.status_code == 409
    restore = client.patch(
        f"/api/v1/sessions/{course['sessions'][2]['id']}",
        json={"status": "scheduled"},
        headers=planners["05"].headers,
    )
    assert restore.status_code == 409


def test_cancel_course_refusals(client, future_course, planners, make_user):
    course = future_course()
    url = f"/api/v1/courses/{course['id']}/cancel"
    assert client.post(url, json={"reason": {}}, headers=planners["03"].headers).status_code == 422
    assert (
        client.post(
            url, json={"reason": REASON}, headers=make_user("planner", "21").headers
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/courses/999999/cancel", json={"reason": REASON}, headers=planners["03"].headers
        ).status_code
        == 404
    )


# --- add sessions ------------------------------------------------------------------------------


def test_add_sessions_after_the_last_one(client, future_course, planners, rows):
    course = future_course(weeks=4, sessions=3)
    response = client.post(
        f"/api/v1/courses/{course['id']}/sessions",
        json={"count": 2},
        headers=planners["14"].headers,
    )
    assert response.status_code == 201, response.get_json()
    added = response.get_json()["sessions"]
    assert [s["number"] for s in added] == [4, 5]
    last = local_day(course["sessions"][-1]["starts_at"])
    assert local_day(added[0]["starts_at"]) - last in (timedelta(weeks=1), timedelta(weeks=2))
    assert added[0]["starts_at"][11:16] == course["sessions"][0]["starts_at"][11:16]
    assert all(s["host_region"] in ("03", "05", "14") for s in added)
    everything = sessions_of(client, course["id"])
    assert len(everything) == 5
    assert client.get(f"/api/v1/courses/{course['id']}").get_json()["session_count"] == 5
    assert rows.audit("course.add_sessions")


@pytest.mark.parametrize("count", [0, 101, "3", None, True])
def test_add_sessions_bad_count(client, future_course, planners, count):
    course = future_course()
    response = client.post(
        f"/api/v1/courses/{course['id']}/sessions",
        json={"count": count},
        headers=planners["03"].headers,
    )
    assert response.status_code == 422 and "count" in response.get_json()["errors"]


def test_add_sessions_to_a_finished_course_is_refused(client, future_course, planners, place):
    course = future_course(weeks=2, sessions=1)
    place(course["sessions"][0]["id"], local(-30, 10))
    response = client.post(
        f"/api/v1/courses/{course['id']}/sessions",
        json={"count": 1},
        headers=planners["03"].headers,
    )
    assert response.status_code == 409


# --- copy ----------------------------------------------------------------------------------------


def test_copy_course(client, app, closed_course, planners, applicant):
    course = closed_course(weeks=3, sessions=3, host_weights={"05": 2})
    applicant(course["id"], "05")
    with app.app_context():
        material = Material(title_fi="Harjoitus", owner_region="05", shared=True)
        db.session.add(material)
        db.session.flush()
        db.session.add(
            SessionMaterial(session_id=course["sessions"][1]["id"], material_id=material.id)
        )
        db.session.commit()
        material_id = material.id
    first = weekday_in(30)
    response = client.post(
        f"/api/v1/courses/{course['id']}/copy",
        json={
            "first_session": start_at(first, 12),
            "application_deadline": (first - timedelta(days=10)).isoformat(),
        },
        headers=planners["03"].headers,
    )
    assert response.status_code == 201, response.get_json()
    copy = response.get_json()
    assert copy["id"] != course["id"] and copy["status"] == "active"
    for key in (
        "title",
        "description",
        "languages",
        "regions",
        "host_weights",
        "cohost",
        "capacity",
        "meeting",
        "kind",
    ):
        assert copy[key] == course[key], key
    assert len(copy["sessions"]) == 3
    assert copy["sessions"][0]["starts_at"].startswith(f"{first.isoformat()}T12:00")
    listed = client.get(
        f"/api/v1/courses/{copy['id']}/applications", headers=planners["05"].headers
    )
    assert listed.get_json()["applications"] == []
    second = copy["sessions"][1]["id"]
    with app.app_context():
        attached = db.session.scalars(
            db.select(SessionMaterial.material_id).where(SessionMaterial.session_id == second)
        ).all()
    assert attached == [material_id]


def test_copy_refusals(client, closed_course, planners, make_user):
    course = closed_course()
    url = f"/api/v1/courses/{course['id']}/copy"
    missing = client.post(url, json={}, headers=planners["03"].headers)
    assert missing.status_code == 422 and "first_session" in missing.get_json()["errors"]
    no_deadline = client.post(
        url, json={"first_session": start_at(weekday_in(30))}, headers=planners["03"].headers
    )
    assert (
        no_deadline.status_code == 422
        and "application_deadline" in no_deadline.get_json()["errors"]
    )
    outsider = client.post(
        url,
        json={"first_session": start_at(weekday_in(30))},
        headers=make_user("planner", "21").headers,
    )
    assert outsider.status_code == 403
    extra = client.post(
        url,
        json={"first_session": start_at(weekday_in(30)), "regions": ["03"]},
        headers=planners["03"].headers,
    )
    assert extra.status_code == 422


def test_a_region_joining_a_course_under_way_owes_nothing_of_the_past(
    client, app, future_course, planners, rows
):
    course = future_course(weeks=4, sessions=6)
    first = course["sessions"][0]
    past = local(-7, 10)  # the first session was held a week ago
    rows.session(first["id"], starts_at=past, ends_at=past + timedelta(hours=1))
    response = patch(client, course["id"], {"regions": ["03", "05", "14", "90"]}, planners["03"])
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        joined = dict(
            db.session.execute(
                db.select(CourseRegion.region_code, CourseRegion.joined_at).where(
                    CourseRegion.course_id == course["id"]
                )
            ).all()
        )
    assert joined["90"] is not None  # shares count from the day it joined
    assert joined["03"] is None and joined["05"] is None and joined["14"] is None
