"""Exports and logs: the participants CSV (UTF-8 with BOM, own region only), the audit log
for admins (filters) and planners (their courses only), and open-group join counts in the
attendance report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from scheduler.audit import AuditEntry
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.followup.models import Attendance, AttendanceSheet
from scheduler.meetings.models import JoinCount, JoinRegionCount
from tests.lifecycle.conftest import local
from tests.lifecycle.test_desk import sign_in


def test_participants_csv(client, app, closed_course, planners, applicant, place, make_user):
    course = closed_course(weeks=3, sessions=3)
    first = course["sessions"][0]
    place(first["id"], local(-1, 10))
    mine = applicant(course["id"], "05", "sv")
    theirs = applicant(course["id"], "03")
    with app.app_context():
        row = db.session.get(Application, mine.id)
        row.name = "Åsa Öström"
        row.phone = "=HYPERLINK(1)"
        db.session.add(
            Attendance(
                session_id=first["id"],
                course_id=course["id"],
                application_id=mine.id,
                region_code="05",
            )
        )
        db.session.add(AttendanceSheet(session_id=first["id"]))
        db.session.commit()
    sign_in(client, planners["05"])
    response = client.get(f"/planner/courses/{course['id']}/participants.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, *people = rows
    assert header[:3] == ["Nimi", "Sähköposti", "Puhelin"] and header[-1] == "Paikalla"
    assert len(people) == 1  # 05's own participant only
    person = people[0]
    assert person[0] == "Åsa Öström" and person[1] == mine.email
    assert person[2] == "'=HYPERLINK(1)"  # never a formula in Excel
    assert person[6] == "x" and person[7] == "–" and person[-1] == "1"
    assert theirs.email not in raw.decode("utf-8-sig")
    # Logged without names.

    with app.app_context():
        entry = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "course.export_participants")
        ).one()
        assert "Åsa" not in str(entry.changes) and entry.changes["rows"] == 1
    client.post("/sign-out")
    sign_in(client, make_user("planner", "21"))
    assert client.get(f"/planner/courses/{course['id']}/participants.csv").status_code == 403
    client.post("/sign-out")
    sign_in(client, make_user("facilitator", "05"))
    assert client.get(f"/planner/courses/{course['id']}/participants.csv").status_code == 403


def test_audit_log_for_admins_and_planners(client, future_course, planners, admin, make_user):
    mine = future_course(regions=["05", "14"])
    other = future_course(regions=["03", "14"])
    reason = {"reason": {"fi": "Syy", "sv": ""}}
    client.post(
        f"/api/v1/sessions/{mine['sessions'][2]['id']}/cancel",
        json=reason,
        headers=planners["05"].headers,
    )
    client.post(
        f"/api/v1/sessions/{other['sessions'][2]['id']}/cancel",
        json=reason,
        headers=planners["03"].headers,
    )
    everything = client.get("/api/v1/audit?action=session.cancel", headers=admin.headers)
    assert everything.status_code == 200
    entries = everything.get_json()["entries"]
    assert {e["object_id"] for e in entries} == {
        str(mine["sessions"][2]["id"]),
        str(other["sessions"][2]["id"]),
    }
    assert entries[0]["at"].endswith(("+02:00", "+03:00"))
    by_who = client.get(f"/api/v1/audit?who={planners['03'].email}", headers=admin.headers)
    assert {e["actor"]["email"] for e in by_who.get_json()["entries"]} == {planners["03"].email}
    # A planner of 05 sees entries about 05's courses only.
    own = client.get("/api/v1/audit", headers=planners["05"].headers).get_json()["entries"]
    assert own and all(
        e["object_id"] != str(other["sessions"][2]["id"]) and e["object_id"] != str(other["id"])
        for e in own
    )
    assert any(e["action"] == "course.create" and e["object_id"] == str(mine["id"]) for e in own)
    # Paging backwards by id, filters by date, bad filters.
    first = client.get("/api/v1/audit?limit=1", headers=admin.headers).get_json()
    assert len(first["entries"]) == 1 and first["next_before"]
    older = client.get(
        f"/api/v1/audit?limit=1&before={first['next_before']}", headers=admin.headers
    )
    assert older.get_json()["entries"][0]["id"] < first["entries"][0]["id"]
    today = local(0, 12).date()
    none = client.get(
        f"/api/v1/audit?from={(today + timedelta(days=1)).isoformat()}", headers=admin.headers
    )
    assert none.get_json()["entries"] == []
    bad = client.get("/api/v1/audit?from=yesterday&limit=5000", headers=admin.headers)
    assert bad.status_code == 422 and {"from", "limit"} <= set(bad.get_json()["errors"])
    assert (
        client.get("/api/v1/audit", headers=make_user("facilitator", "05").headers).status_code
        == 403
    )
    # The page: filters and the same scope.
    sign_in(client, planners["05"])
    page = client.get(f"/planner/audit?course={other['id']}").get_data(as_text=True)
    assert "<td>session.cancel</td>" not in page
    page = client.get(f"/planner/audit?course={mine['id']}").get_data(as_text=True)
    assert "<td>session.cancel</td>" in page and "<td>course.create</td>" in page
    assert client.get("/planner/audit?from=nope").status_code == 422


def test_attendance_report_shows_open_group_joins(client, app, future_course, planners, place):
    course = future_course(weeks=2, sessions=3)
    first = course["sessions"][0]
    place(first["id"], local(-2, 10))
    with app.app_context():
        db.session.add(JoinCount(session_id=first["id"], joins=7))
        db.session.add(JoinRegionCount(session_id=first["id"], region_code="05", answers=3))
        db.session.add(JoinRegionCount(session_id=first["id"], region_code="14", answers=2))
        db.session.commit()
    report = client.get(
        f"/api/v1/courses/{course['id']}/attendance", headers=planners["05"].headers
    ).get_json()
    row = next(s for s in report["sessions"] if s["id"] == first["id"])
    assert row["joins"] == 7 and row["join_regions"] == {"05": 3, "14": 2}
    assert report["joins"] == 7 and report["join_regions"] == {"05": 3, "14": 2}
    sign_in(client, planners["05"], "sv")
    page = client.get(f"/planner/courses/{course['id']}/attendance").get_data(as_text=True)
    assert "Anslutningar per träff och område" in page and "<td>7</td>" in page
    desk = client.get("/planner").get_data(as_text=True)
    assert "<td>7</td>" in desk
