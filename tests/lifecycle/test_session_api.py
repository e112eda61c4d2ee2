"""Moving and cancelling one session: PATCH /sessions/{id} with starts_at, POST …/cancel.

Every rule and refusal, and who is told (outbox rows; the SMTP delivery has its own tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.i18n import HELSINKI
from tests.lifecycle.conftest import lifecycle_mail, local, local_day, sessions_of, start_at

REASON = {"fi": "Ohjaaja on sairas.", "sv": "Handledaren är sjuk."}


def move(client, session_id, body, staff):
    return client.patch(f"/api/v1/sessions/{session_id}", json=body, headers=staff.headers)


def test_move_one_session_keeps_the_rest_of_the_series(client, future_course, planners, rows):
    course = future_course(weeks=6, sessions=6)
    target = course["sessions"][2]
    day = local_day(target["starts_at"])
    response = move(client, target["id"], {"starts_at": start_at(day, 14)}, planners["03"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["starts_at"].startswith(f"{day.isoformat()}T14:00:00+0")
    assert body["ends_at"].startswith(f"{day.isoformat()}T15:00:00+0")
    assert body["host_region"] == target["host_region"]
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    for other in course["sessions"]:
        if other["id"] != target["id"]:
            assert after[other["id"]]["starts_at"] == other["starts_at"]
    [entry] = rows.audit("session.move")
    assert entry.object_id == str(target["id"])
    sequence = rows.get_session(target["id"]).sequence
    assert sequence >= 1


def test_move_with_a_new_length_and_offset_time(client, future_course, planners):
    course = future_course(weeks=6, sessions=3)
    target = course["sessions"][1]
    day = local_day(target["starts_at"])
    body = move(
        client,
        target["id"],
        {"starts_at": f"{day.isoformat()}T12:30:00+02:00", "duration_minutes": 90},
        planners["05"],
    ).get_json()
    starts = datetime.fromisoformat(body["starts_at"])
    ends = datetime.fromisoformat(body["ends_at"])
    assert (ends - starts) == timedelta(minutes=90)
    assert starts.astimezone(HELSINKI).hour in (12, 13)  # 12:30+02:00 is 13:30 in summer time


def test_move_refusals(client, future_course, planners, rows, place, make_user):
    course = future_course(weeks=6, sessions=4)
    first, second, third = course["sessions"][:3]
    day = local_day(second["starts_at"])
    # Into the past.
    past = move(
        client, second["id"], {"starts_at": start_at(day - timedelta(days=70))}, planners["03"]
    )
    assert past.status_code == 409
    # Onto another session of the course.
    clash = move(client, second["id"], {"starts_at": third["starts_at"]}, planners["03"])
    assert clash.status_code == 409 and "3" in clash.get_json()["detail"]
    # The host is closed on the new day.
    rows.closure(second["host_region"], day, day)  # the same day at another hour
    closed = move(client, second["id"], {"starts_at": start_at(day, 14)}, planners["03"])
    assert closed.status_code == 409
    assert closed.get_json()["reason"] == "closure"
    # A session that already started.
    place(first["id"], local(0, 0) - timedelta(hours=1))
    started = move(client, first["id"], {"starts_at": start_at(day, 16)}, planners["03"])
    assert started.status_code == 409
    # A region outside the course, and bad input.
    outsider = make_user("planner", "21")
    assert move(client, second["id"], {"starts_at": start_at(day, 14)}, outsider).status_code == 403
    bad = move(client, second["id"], {"starts_at": "tomorrow"}, planners["03"])
    assert bad.status_code == 422 and "starts_at" in bad.get_json()["errors"]
    short = move(
        client, second["id"], {"starts_at": start_at(day), "duration_minutes": 5}, planners["03"]
    )
    assert short.status_code == 422 and "duration_minutes" in short.get_json()["errors"]
    mixed = move(
        client, second["id"], {"starts_at": start_at(day), "host_region": "05"}, planners["03"]
    )
    assert mixed.status_code == 422
    assert move(client, 999999, {"starts_at": start_at(day)}, planners["03"]).status_code == 404
    # Nothing moved.
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[second["id"]]["starts_at"] == second["starts_at"]
    assert lifecycle_mail(rows) == []


def test_move_onto_a_public_holiday_is_refused(client, future_course, planners):
    course = future_course(weeks=6, sessions=2)
    target = course["sessions"][1]
    today = local(0, 0).date()
    year = today.year + 1
    response = move(client, target["id"], {"starts_at": f"{year}-12-06T10:00"}, planners["03"])
    assert response.status_code == 409 and response.get_json()["reason"] == "holiday"


def test_cancel_with_a_reason(client, future_course, planners, rows):
    course = future_course(weeks=6, sessions=4)
    target = course["sessions"][1]
    response = client.post(
        f"/api/v1/sessions/{target['id']}/cancel",
        json={"reason": REASON},
        headers=planners["14"].headers,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == REASON
    # Again: nothing new happens.
    count = len(lifecycle_mail(rows))
    again = client.post(
        f"/api/v1/sessions/{target['id']}/cancel",
        json={"reason": REASON},
        headers=planners["14"].headers,
    )
    assert again.status_code == 200 and len(lifecycle_mail(rows)) == count
    [entry] = rows.audit("session.cancel")
    assert "Ohjaaja" not in str(entry.changes)  # the free text stays out of the log
    # Re-planning leaves it cancelled; the public list shows it.
    client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["03"].headers)
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[target["id"]]["status"] == "cancelled"


def test_cancel_refusals(client, future_course, planners, place, make_user):
    course = future_course(weeks=6, sessions=3)
    first, second = course["sessions"][:2]
    url = f"/api/v1/sessions/{second['id']}/cancel"
    assert client.post(url, json={}, headers=planners["03"].headers).status_code == 422
    empty = client.post(url, json={"reason": {"fi": " ", "sv": ""}}, headers=planners["03"].headers)
    assert empty.status_code == 422 and "reason" in empty.get_json()["errors"]
    long = client.post(url, json={"reason": {"fi": "x" * 501}}, headers=planners["03"].headers)
    assert long.status_code == 422
    outsider = make_user("planner", "21")
    assert client.post(url, json={"reason": REASON}, headers=outsider.headers).status_code == 403
    assert client.post(url, json={"reason": REASON}).status_code == 401
    place(first["id"], local(0, 0) - timedelta(hours=2))
    started = client.post(
        f"/api/v1/sessions/{first['id']}/cancel",
        json={"reason": REASON},
        headers=planners["03"].headers,
    )
    assert started.status_code == 409
    missing = client.post(
        "/api/v1/sessions/999999/cancel", json={"reason": REASON}, headers=planners["03"].headers
    )
    assert missing.status_code == 404


def test_patch_status_cancelled_still_works_and_tells_everyone(
    client, closed_course, planners, applicant, rows
):
    course = closed_course()
    target = course["sessions"][1]
    person = applicant(course["id"], "05", "sv")
    response = client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"status": "cancelled"},
        headers=planners["03"].headers,
    )
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    mail = lifecycle_mail(rows, "session_cancelled")
    recipients = {m.recipient for m in mail}
    assert person.email in recipients
    assert planners[target["host_region"]].email in recipients


def test_move_tells_participants_and_hosts_once_each(
    client, closed_course, planners, applicant, rows
):
    course = closed_course(cohost=True)
    target = course["sessions"][2]
    accepted = [applicant(course["id"], "03"), applicant(course["id"], "05", "sv")]
    waiting = applicant(course["id"], "14", status="waitlisted")
    day = local_day(target["starts_at"])
    assert (
        move(client, target["id"], {"starts_at": start_at(day, 13)}, planners["03"]).status_code
        == 200
    )
    mail = lifecycle_mail(rows, "session_moved")
    recipients = [m.recipient for m in mail]
    expected = {p.email for p in accepted} | {
        planners[target["host_region"]].email,
        planners[target["cohost_region"]].email,
    }
    assert sorted(recipients) == sorted(expected)
    assert waiting.email not in recipients
    swedish = next(m for m in mail if m.recipient == accepted[1].email)
    assert swedish.language == "sv" and "Ny tid" in swedish.body
    assert not any(m.urgent for m in mail)
