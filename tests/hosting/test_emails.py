"""Every change of hosts queues one email per planner of each region concerned, in the
planner's own language, listing the changed sessions."""

from __future__ import annotations

from scheduler.accounts.models import User
from scheduler.extensions import db
from tests.hosting.conftest import local_day


def host_mail(rows):
    return [m for m in rows.outbox() if m.kind == "hosting.changes"]


def by_recipient(messages):
    return {m.recipient: m for m in messages}


def test_hand_set_host_tells_old_and_new_host_regions(client, future_course, planners, rows):
    course = future_course()
    target = next(s for s in course["sessions"] if s["host_region"] == "03")
    client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"host_region": "05"},
        headers=planners["14"].headers,
    )
    mail = by_recipient(host_mail(rows))
    assert set(mail) == {planners["03"].email, planners["05"].email}
    finnish, swedish = mail[planners["03"].email], mail[planners["05"].email]
    assert finnish.language == "fi" and swedish.language == "sv"
    assert finnish.subject == "Muutoksia vetovuoroihin: Länsi-Uudenmaan hyvinvointialue"
    assert "Alueesi ei enää vedä tätä kertaa." in finnish.body
    assert "Liikuntatuokio, kerta" in finnish.body
    assert swedish.subject.startswith("Ändringar i värdturerna")
    assert "Ditt område är nu värd för den här träffen." in swedish.body
    assert "Motionsstund, träff" in swedish.body
    assert f"/planner/courses/{course['id']}/rotation" in swedish.body


def test_no_mail_when_nothing_changes(client, future_course, planners, rows):
    course = future_course()
    client.post(f"/api/v1/courses/{course['id']}/plan", headers=planners["03"].headers)
    target = course["sessions"][2]
    # Pinning the same host changes no duty.
    client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"host_region": target["host_region"]},
        headers=planners["03"].headers,
    )
    assert host_mail(rows) == []


def test_closure_replanning_lists_all_changed_sessions(client, future_course, planners, rows):
    course = future_course(sessions=12)
    days = [local_day(s["starts_at"]) for s in course["sessions"]]
    body = client.post(
        "/api/v1/regions/14/closures",
        json={"start": days[2].isoformat(), "end": days[8].isoformat()},
        headers=planners["14"].headers,
    ).get_json()
    assert body["changed"]
    mail = by_recipient(host_mail(rows))
    assert planners["14"].email in mail
    # One email per planner, listing every changed session that concerns the region.
    assert len(host_mail(rows)) == len(mail)
    text = mail[planners["14"].email].body
    assert "Alue merkitsi suljetun jakson" in text
    moved_from_14 = [
        s for s in course["sessions"] if s["id"] in body["changed"] and s["host_region"] == "14"
    ]
    assert text.count("Alueesi ei enää vedä tätä kertaa.") == len(moved_from_14)


def test_cancelling_tells_the_host(client, future_course, planners, rows):
    # A cancellation is told by the course lifecycle's one notice (participants too).
    course = future_course(cohost=True)
    target = course["sessions"][1]
    client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"status": "cancelled"},
        headers=planners["03"].headers,
    )
    assert host_mail(rows) == []
    mail = by_recipient(m for m in rows.outbox() if m.kind == "lifecycle.session_cancelled")
    expected = {planners[target["host_region"]].email, planners[target["cohost_region"]].email}
    assert set(mail) == expected
    host_planner = planners[target["host_region"]]
    words = (
        "Ditt område leder den här träffen."
        if host_planner.region == "05"
        else "Alueesi vetää tämän kerran."
    )
    assert words in mail[host_planner.email].body


def test_swap_mails(client, future_course, planners, rows):
    course = future_course()
    mine = next(s for s in course["sessions"] if s["host_region"] == "03")
    theirs = next(s for s in course["sessions"] if s["host_region"] == "05")
    swap = client.post(
        f"/api/v1/sessions/{mine['id']}/swap-requests",
        json={"session": theirs["id"]},
        headers=planners["03"].headers,
    ).get_json()
    asked = [m for m in rows.outbox() if m.kind == "hosting.swap_request"]
    assert [m.recipient for m in asked] == [planners["05"].email]
    assert asked[0].subject == "Bytesförfrågan från Västra Nylands välfärdsområde"
    assert "/planner/swap-requests" in asked[0].body

    client.post(f"/api/v1/swap-requests/{swap['id']}/accept", headers=planners["05"].headers)
    mail = by_recipient(host_mail(rows))
    assert set(mail) == {planners["03"].email, planners["05"].email}
    assert "Kaksi aluetta sopi vetovuorojen vaihdosta." in mail[planners["03"].email].body
    assert mail[planners["03"].email].body.count("Liikuntatuokio, kerta") == 2

    again = client.post(
        f"/api/v1/sessions/{theirs['id']}/swap-requests",
        json={"session": mine["id"]},
        headers=planners["03"].headers,
    ).get_json()
    client.post(f"/api/v1/swap-requests/{again['id']}/decline", headers=planners["05"].headers)
    declined = [m for m in rows.outbox() if m.kind == "hosting.swap_declined"]
    assert [m.recipient for m in declined] == [planners["03"].email]
    assert "hylkäsi" in declined[0].subject


def test_mail_is_not_queued_for_inactive_planners_or_other_roles(
    client, future_course, planners, make_user, rows, app
):
    facilitator = make_user("facilitator", "05")
    retired = make_user("planner", "05")
    with app.app_context():
        db.session.get(User, retired.id).active = False
        db.session.commit()
    course = future_course()
    target = next(s for s in course["sessions"] if s["host_region"] == "03")
    client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"host_region": "05"},
        headers=planners["03"].headers,
    )
    recipients = {m.recipient for m in host_mail(rows)}
    assert facilitator.email not in recipients and retired.email not in recipients
    assert planners["05"].email in recipients


def test_day_in_mail_is_the_local_day(client, future_course, planners, rows):
    course = future_course()
    target = next(s for s in course["sessions"] if s["host_region"] == "03")
    client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"host_region": "14"},
        headers=planners["03"].headers,
    )
    day = local_day(target["starts_at"])
    text = by_recipient(host_mail(rows))[planners["14"].email].body
    assert f"{day.day}." in text and str(day.year) in text and "10.00" in text
