"""The messages about cancelled and moved sessions, read from a real SMTP server (aiosmtpd):
each affected person once, in their own language; a change within 48 hours is urgent and
is sent at once even when mail is otherwise left to the `outbox send` command."""

from __future__ import annotations

import time

import pytest

from scheduler.notify.outbox import deliver_pending
from tests.lifecycle.conftest import local, local_day, start_at

REASON = {"fi": "Ohjaaja on sairas.", "sv": "Handledaren är sjuk."}


@pytest.fixture
def app_overrides(mail_app_overrides):
    return mail_app_overrides


def deliver(app):
    with app.app_context():
        return deliver_pending()


def wait_for(predicate, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_cancelled_session_reaches_everyone_in_their_language(
    client, app, closed_course, planners, applicant, smtp
):
    course = closed_course(weeks=5, sessions=4, cohost=True)
    target = course["sessions"][1]
    finnish = applicant(course["id"], "03", "fi")
    swedish = applicant(course["id"], "05", "sv")
    waiting = applicant(course["id"], "14", "fi", status="waitlisted")
    response = client.post(
        f"/api/v1/sessions/{target['id']}/cancel",
        json={"reason": REASON},
        headers=planners["03"].headers,
    )
    assert response.status_code == 200
    report = deliver(app)
    assert report.failed == 0
    [fi_mail] = smtp.mailbox.to(finnish.email)
    [sv_mail] = smtp.mailbox.to(swedish.email)
    assert smtp.mailbox.to(waiting.email) == []  # only a whole course's cancellation
    assert fi_mail["Content-Language"] == "fi" and sv_mail["Content-Language"] == "sv"
    assert fi_mail["Subject"].startswith("Tapaamiskerta on peruttu")
    assert sv_mail["Subject"].startswith("En träff är inställd")
    fi_body, sv_body = smtp.mailbox.body(fi_mail), smtp.mailbox.body(sv_mail)
    assert "Ohjaaja on sairas." in fi_body and "Handledaren är sjuk." in sv_body
    assert "/join/p/" in fi_body and "/my/" in sv_body
    assert fi_mail["Importance"] is None  # five weeks ahead: not urgent
    # The host and co-host regions' planners, once each, in their own language (05: sv).
    host, cohost = target["host_region"], target["cohost_region"]
    for code in (host, cohost):
        [mail] = smtp.mailbox.to(planners[code].email)
        body = smtp.mailbox.body(mail)
        if code == "05":
            assert "Ditt område" in body
        else:
            assert "Alueesi" in body
    assert smtp.mailbox.to(planners[({"03", "05", "14"} - {host, cohost}).pop()].email) == []


def test_moved_session_mail_gives_the_old_and_the_new_time(
    client, app, closed_course, planners, applicant, smtp
):
    course = closed_course(weeks=5, sessions=3)
    target = course["sessions"][2]
    person = applicant(course["id"], "05", "sv")
    day = local_day(target["starts_at"])  # another hour of the same (working) day
    response = client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"starts_at": start_at(day, 14)},
        headers=planners["05"].headers,
    )
    assert response.status_code == 200, response.get_json()
    deliver(app)
    [mail] = smtp.mailbox.to(person.email)
    body = smtp.mailbox.body(mail)
    assert mail["Subject"].startswith("Ny tid för en träff")
    assert "14:00" in body and "10:00" in body


def test_change_within_48_hours_is_urgent_and_sent_at_once(
    client, app, closed_course, planners, applicant, smtp, place
):
    app.config["OUTBOX_SEND_ON_COMMIT"] = False  # other mail waits for `outbox send`
    course = closed_course(weeks=3, sessions=3)
    soon = course["sessions"][0]
    place(soon["id"], local(1, 10))
    person = applicant(course["id"], "03", "fi")
    response = client.post(
        f"/api/v1/sessions/{soon['id']}/cancel",
        json={"reason": {"fi": "Myrsky", "sv": ""}},
        headers=planners["03"].headers,
    )
    assert response.status_code == 200
    # Nobody ran `outbox send`: the urgent message arrives by itself.
    assert wait_for(lambda: smtp.mailbox.to(person.email))
    [mail] = smtp.mailbox.to(person.email)
    assert mail["Importance"] == "high" and mail["X-Priority"] == "1"
    assert mail["Subject"].startswith("Kiireellinen:")
    assert "Kalenterisi ei ehkä näytä" in smtp.mailbox.body(mail)


def test_course_cancellation_reaches_the_waiting_list(
    client, app, closed_course, planners, applicant, smtp
):
    course = closed_course(weeks=5, sessions=3)
    waiting = applicant(course["id"], "05", "sv", status="waitlisted")
    accepted = applicant(course["id"], "14", "fi")
    client.post(
        f"/api/v1/courses/{course['id']}/cancel",
        json={"reason": REASON},
        headers=planners["14"].headers,
    )
    deliver(app)
    [sv_mail] = smtp.mailbox.to(waiting.email)
    [fi_mail] = smtp.mailbox.to(accepted.email)
    assert "väntelistan" in smtp.mailbox.body(sv_mail)
    assert fi_mail["Subject"].startswith("Kurssi on peruttu")
