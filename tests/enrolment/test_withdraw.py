"""Withdrawing frees a seat for the oldest waitlisted applicant, own region first."""

from __future__ import annotations

from scheduler.enrolment.models import Application
from scheduler.extensions import db
from tests.enrolment.conftest import statuses


def _decide(client, staff, application_id: int, status: str):
    return client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": status},
        headers=staff.headers,
    )


def _setup(client, make_user, closed_course, apply):
    """Capacity 1: x (05) accepted; w14 (14, first) and w05 (05, later) on the waiting list."""
    course = closed_course(capacity=1)
    admin = make_user("admin", None)
    ids = {}
    for name, region in (("x", "05"), ("w14", "14"), ("w05", "05"), ("late05", "05")):
        ids[name] = apply(course["id"], email=f"{name}@example.org", region=region).get_json()["id"]
    assert _decide(client, admin, ids["x"], "accepted").status_code == 200
    for name in ("w14", "w05", "late05"):
        assert _decide(client, admin, ids[name], "waitlisted").status_code == 200
    return course, ids, admin


def test_withdraw_by_token_promotes_own_region_first(
    app, client, make_user, closed_course, apply, personal_token, smtp, deliver
):
    course, _ids, _admin = _setup(client, make_user, closed_course, apply)
    token = personal_token("x@example.org")
    response = client.post("/api/v1/applications/withdraw", json={"token": token})
    assert response.status_code == 200
    assert response.get_json() == {"status": "withdrawn"}
    now = statuses(app, course["id"])
    assert now["x@example.org"] == "withdrawn"
    assert now["w05@example.org"] == "accepted"  # own region first, though w14 waited longer
    assert now["w14@example.org"] == "waitlisted"
    assert now["late05@example.org"] == "waitlisted"
    deliver()
    promoted = smtp.mailbox.to("w05@example.org")[-1]
    assert "/join/p/" in smtp.mailbox.body(promoted)
    assert "jonotuslista" in smtp.mailbox.body(promoted).lower()
    # Withdrawing again is harmless and promotes nobody else.
    again = client.post("/api/v1/applications/withdraw", json={"token": token})
    assert again.status_code == 200
    assert statuses(app, course["id"]) == now


def test_planner_removal_promotes_any_region_when_own_is_empty(
    app, client, make_user, closed_course, apply
):
    course, ids, admin = _setup(client, make_user, closed_course, apply)
    # Take the 05 waiting list away first.
    for name in ("w05", "late05"):
        assert _decide(client, admin, ids[name], "withdrawn").status_code == 200
    planner = make_user("planner", "05")
    response = _decide(client, planner, ids["x"], "withdrawn")
    assert response.status_code == 200
    assert statuses(app, course["id"])["w14@example.org"] == "accepted"


def test_withdraw_errors(client, make_user, closed_course, apply, personal_token):
    assert client.post("/api/v1/applications/withdraw", json={"token": "nope"}).status_code == 404
    # A token that is not text, or none at all, is invalid input (422), not an unknown link.
    assert client.post("/api/v1/applications/withdraw", json={"token": 5}).status_code == 422
    assert client.post("/api/v1/applications/withdraw", json={}).status_code == 422
    assert client.post("/api/v1/applications/withdraw", data="x").status_code == 422
    course = closed_course()
    application_id = apply(course["id"]).get_json()["id"]
    _decide(client, make_user("planner", "05"), application_id, "rejected")
    token = personal_token("aino@example.org")
    assert client.post("/api/v1/applications/withdraw", json={"token": token}).status_code == 409


def test_quota_is_kept_when_promoting(app, client, make_user, closed_course, apply):
    course = closed_course(capacity=2)
    admin = make_user("admin", None)
    client.put(f"/api/v1/courses/{course['id']}/quotas", json={"14": 1}, headers=admin.headers)
    ids = {}
    for name, region in (("a", "14"), ("b", "05"), ("w14", "14"), ("w03", "03")):
        ids[name] = apply(course["id"], email=f"{name}@example.org", region=region).get_json()["id"]
    _decide(client, admin, ids["a"], "accepted")
    _decide(client, admin, ids["b"], "accepted")
    _decide(client, admin, ids["w14"], "waitlisted")
    _decide(client, admin, ids["w03"], "waitlisted")
    # b (05) leaves: own region has nobody waiting; 14 is at its share; 03 gets the place.
    assert _decide(client, admin, ids["b"], "withdrawn").status_code == 200
    now = statuses(app, course["id"])
    assert now["w03@example.org"] == "accepted"
    assert now["w14@example.org"] == "waitlisted"
    with app.app_context():
        accepted = db.session.scalar(
            db.select(db.func.count()).where(
                Application.course_id == course["id"], Application.status == "accepted"
            )
        )
        assert accepted == 2
