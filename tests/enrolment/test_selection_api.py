"""Selection: planners see and decide only their own region's applicants; seats and quotas."""

from __future__ import annotations

from datetime import timedelta

from scheduler.audit import AuditEntry
from scheduler.courses.models import Course
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from tests.enrolment.conftest import count_rows, statuses, today


def _decide(client, staff, application_id: int, status: str):
    return client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": status},
        headers=staff.headers,
    )


def test_planner_lists_only_own_region_and_admin_all(client, make_user, closed_course, apply):
    course = closed_course()
    ids = {}
    for region in ("03", "05", "14"):
        response = apply(course["id"], email=f"p{region}@example.org", region=region)
        ids[region] = response.get_json()["id"]
    planner = make_user("planner", "05")
    response = client.get(f"/api/v1/courses/{course['id']}/applications", headers=planner.headers)
    assert response.status_code == 200
    [only] = response.get_json()["applications"]
    assert only["id"] == ids["05"]
    assert set(only) >= {"id", "name", "email", "region", "language", "status", "submitted_at"}
    assert only["region"] == "05" and only["status"] == "submitted"
    assert only["submitted_at"].endswith(("+02:00", "+03:00"))
    admin = make_user("admin", None)
    everyone = client.get(f"/api/v1/courses/{course['id']}/applications", headers=admin.headers)
    assert sorted(a["id"] for a in everyone.get_json()["applications"]) == sorted(ids.values())


def test_list_needs_a_planner_of_the_course(client, make_user, closed_course):
    course = closed_course()
    url = f"/api/v1/courses/{course['id']}/applications"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=make_user("facilitator", "05").headers).status_code == 403
    assert client.get(url, headers=make_user("planner", "21").headers).status_code == 403
    assert (
        client.get(
            "/api/v1/courses/99999/applications", headers=make_user("admin", None).headers
        ).status_code
        == 404
    )


def test_viewing_applicants_is_logged_without_personal_data(
    app, client, make_user, closed_course, apply
):
    course = closed_course()
    apply(course["id"])
    planner = make_user("planner", "05")
    client.get(f"/api/v1/courses/{course['id']}/applications", headers=planner.headers)
    with app.app_context():
        entry = db.session.scalar(
            db.select(AuditEntry).where(AuditEntry.action == "application.list_view")
        )
        assert entry.actor_id == planner.id
        assert entry.changes == {"region": "05", "count": 1}


def test_decisions_are_logged_and_emailed_in_the_applicants_language(
    app, client, make_user, closed_course, apply, smtp, deliver
):
    course = closed_course()
    application_id = apply(course["id"], email="britta@example.org", language="sv").get_json()["id"]
    planner = make_user("planner", "05")
    response = _decide(client, planner, application_id, "waitlisted")
    assert response.status_code == 200
    assert response.get_json() == {"id": application_id, "status": "waitlisted"}
    response = _decide(client, planner, application_id, "accepted")
    assert response.get_json() == {"id": application_id, "status": "accepted"}
    deliver()
    subjects = [m["Subject"] for m in smtp.mailbox.to("britta@example.org")]
    assert len(subjects) == 3  # received, waiting list, accepted
    assert all("Motionsstund" in subject for subject in subjects)
    accepted_body = smtp.mailbox.body(smtp.mailbox.to("britta@example.org")[-1])
    assert "/join/p/" in accepted_body and "/calendar/p/" in accepted_body
    with app.app_context():
        entries = db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.action == "application.status")
            .order_by(AuditEntry.id)
        ).all()
        assert [(e.changes["from"], e.changes["to"]) for e in entries] == [
            ("submitted", "waitlisted"),
            ("waitlisted", "accepted"),
        ]
        assert all(e.actor_id == planner.id and e.at is not None for e in entries)
        assert "britta" not in str([e.changes for e in entries]).lower()


def test_other_regions_applicant_is_403_and_unchanged(app, client, make_user, closed_course, apply):
    course = closed_course()
    application_id = apply(course["id"], region="14").get_json()["id"]
    response = _decide(client, make_user("planner", "05"), application_id, "accepted")
    assert response.status_code == 403
    assert statuses(app, course["id"]) == {"aino@example.org": "submitted"}
    assert _decide(client, make_user("admin", None), application_id, "accepted").status_code == 200


def test_bad_decisions(client, make_user, closed_course, apply):
    course = closed_course()
    application_id = apply(course["id"]).get_json()["id"]
    planner = make_user("planner", "05")
    assert _decide(client, planner, application_id, "maybe").status_code == 422
    assert _decide(client, planner, application_id, "submitted").status_code == 422
    assert _decide(client, planner, 99999, "accepted").status_code == 404
    assert _decide(client, planner, application_id, "rejected").status_code == 200
    # No longer open to a decision.
    assert _decide(client, planner, application_id, "accepted").status_code == 409
    assert _decide(client, planner, application_id, "rejected").status_code == 409


def test_accepting_past_capacity_is_409(app, client, make_user, closed_course, apply):
    course = closed_course(capacity=2)
    planner = make_user("planner", "05")
    ids = [apply(course["id"], email=f"p{n}@example.org").get_json()["id"] for n in range(3)]
    assert _decide(client, planner, ids[0], "accepted").status_code == 200
    assert _decide(client, planner, ids[1], "accepted").status_code == 200
    response = _decide(client, planner, ids[2], "accepted")
    assert response.status_code == 409
    assert statuses(app, course["id"])["p2@example.org"] == "submitted"
    assert _decide(client, planner, ids[2], "waitlisted").status_code == 200


def test_region_quota_limits_accepting(app, client, make_user, closed_course, apply):
    course = closed_course(capacity=3)
    planner = make_user("planner", "05")
    response = client.put(
        f"/api/v1/courses/{course['id']}/quotas",
        json={"05": 1, "14": 2},
        headers=make_user("admin", None).headers,
    )
    assert response.status_code == 200
    assert response.get_json() == {"quotas": {"03": None, "05": 1, "14": 2}}
    first = apply(course["id"], email="a@example.org").get_json()["id"]
    second = apply(course["id"], email="b@example.org").get_json()["id"]
    assert _decide(client, planner, first, "accepted").status_code == 200
    assert _decide(client, planner, second, "accepted").status_code == 409
    # A quota below what is already accepted is refused.
    response = client.put(
        f"/api/v1/courses/{course['id']}/quotas", json={"05": 0}, headers=planner.headers
    )
    assert response.status_code == 409
    with app.app_context():
        quota_changes = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "course.seat_quota")
        ).all()
        assert sorted((e.changes["region"], e.changes["to"]) for e in quota_changes) == [
            ("05", 1),
            ("14", 2),
        ]


def test_bad_quotas(client, make_user, closed_course, make_course):
    course = closed_course(capacity=3)
    planner = make_user("planner", "05")
    url = f"/api/v1/courses/{course['id']}/quotas"
    assert client.put(url, json={"21": 1}, headers=planner.headers).status_code == 422
    assert client.put(url, json={"05": -1}, headers=planner.headers).status_code == 422
    assert client.put(url, json={"05": 4}, headers=planner.headers).status_code == 422
    assert client.put(url, json={"05": "two"}, headers=planner.headers).status_code == 422
    assert client.put(url, json=[1], headers=planner.headers).status_code == 422
    assert (
        client.put(url, json={"05": 1}, headers=make_user("planner", "21").headers).status_code
        == 403
    )
    assert client.put(url, json={"05": 1}).status_code == 401
    open_course = make_course()
    response = client.put(
        f"/api/v1/courses/{open_course['id']}/quotas",
        json={"03": 1},
        headers=make_user("planner", "03").headers,
    )
    assert response.status_code == 409


def _past_deadline(app, course_id: int) -> None:
    with app.app_context():
        course = db.session.get(Course, course_id)
        course.application_deadline = today() - timedelta(days=1)
        db.session.commit()


def test_fill_from_waitlist_after_the_deadline_in_order(
    app, client, make_user, closed_course, apply
):
    course = closed_course(capacity=3)
    planner05 = make_user("planner", "05")
    admin = make_user("admin", None)
    ids = {}
    for name, region in (("a", "05"), ("b", "14"), ("c", "05"), ("d", "05")):
        ids[name] = apply(course["id"], email=f"{name}@example.org", region=region).get_json()["id"]
    for name in ("a", "c", "d"):
        assert _decide(client, planner05, ids[name], "waitlisted").status_code == 200
    assert _decide(client, admin, ids["b"], "waitlisted").status_code == 200
    url = f"/api/v1/courses/{course['id']}/fill-from-waitlist"
    assert client.post(url, headers=planner05.headers).status_code == 409  # before the deadline
    _past_deadline(app, course["id"])
    response = client.post(url, headers=planner05.headers)
    assert response.status_code == 200
    body = response.get_json()
    # A planner fills from their own region's waiting list, oldest first.
    assert [a["id"] for a in body["accepted"]] == [ids["a"], ids["c"], ids["d"]]
    assert body["free_seats"] == 0
    assert statuses(app, course["id"])["b@example.org"] == "waitlisted"
    again = client.post(url, headers=admin.headers).get_json()
    assert again == {"accepted": [], "free_seats": 0}


def test_fill_for_admin_respects_quotas(app, client, make_user, closed_course, apply):
    course = closed_course(capacity=3)
    admin = make_user("admin", None)
    client.put(f"/api/v1/courses/{course['id']}/quotas", json={"05": 1}, headers=admin.headers)
    ids = {}
    for name, region in (("a", "05"), ("c", "05"), ("b", "14")):
        ids[name] = apply(course["id"], email=f"{name}@example.org", region=region).get_json()["id"]
        _decide(client, admin, ids[name], "waitlisted")
    _past_deadline(app, course["id"])
    body = client.post(
        f"/api/v1/courses/{course['id']}/fill-from-waitlist", headers=admin.headers
    ).get_json()
    assert [a["id"] for a in body["accepted"]] == [ids["a"], ids["b"]]
    assert body["free_seats"] == 1
    assert count_rows(app, Application) == 3
