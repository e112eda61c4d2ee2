"""Finding 2 of issue 9: a planner sets only their own region's quota (admins any).

Before, a planner of one participating region could set another region's quota to 0, after
which that region's own planner could accept no one.
"""

from __future__ import annotations

from scheduler.audit import AuditEntry
from scheduler.extensions import db


def _put(client, course_id: int, body, staff):
    return client.put(f"/api/v1/courses/{course_id}/quotas", json=body, headers=staff.headers)


def test_a_planner_cannot_shut_another_region_out(app, client, make_user, closed_course, apply):
    course = closed_course(capacity=4)
    planner05, planner14 = make_user("planner", "05"), make_user("planner", "14")
    admin = make_user("admin", None)
    assert _put(client, course["id"], {"14": 2}, admin).status_code == 200

    attack = _put(client, course["id"], {"14": 0}, planner05)
    assert attack.status_code == 403
    assert "14" in attack.get_json()["detail"]
    attack_all = _put(client, course["id"], {"03": 0, "05": 4, "14": 0}, planner05)
    assert attack_all.status_code == 403
    quotas = client.get(f"/api/v1/courses/{course['id']}/quotas", headers=planner14.headers)
    assert quotas.get_json() == {"quotas": {"03": None, "05": None, "14": 2}}

    # The region's own planner can still accept their applicant.
    applicant = apply(course["id"], email="own14@example.org", region="14").get_json()["id"]
    decided = client.post(
        f"/api/v1/applications/{applicant}/decision",
        json={"status": "accepted"},
        headers=planner14.headers,
    )
    assert decided.status_code == 200

    # The planner sets their own share; others may be sent unchanged (a GET, edit, PUT
    # round trip) or left out, and both keep them.
    round_trip = _put(client, course["id"], {"03": None, "05": 1, "14": 2}, planner05)
    assert round_trip.status_code == 200
    assert round_trip.get_json() == {"quotas": {"03": None, "05": 1, "14": 2}}
    own_only = _put(client, course["id"], {"05": 2}, planner05)
    assert own_only.get_json() == {"quotas": {"03": None, "05": 2, "14": 2}}
    assert _put(client, course["id"], {"14": 1}, planner14).get_json() == {
        "quotas": {"03": None, "05": 2, "14": 1}
    }
    # Admins set any region's.
    assert _put(client, course["id"], {"03": 1}, admin).get_json() == {
        "quotas": {"03": 1, "05": None, "14": None}
    }
    with app.app_context():
        changes = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "course.seat_quota")
        ).all()
        by_actor = {(entry.actor_id, entry.changes["region"]) for entry in changes}
    assert (planner05.id, "14") not in by_actor and (planner05.id, "03") not in by_actor
