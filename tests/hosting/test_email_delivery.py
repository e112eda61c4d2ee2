"""Host-change emails reach a real SMTP server (aiosmtpd on loopback) in the right language."""

from __future__ import annotations

import pytest

from scheduler.notify.outbox import deliver_pending


@pytest.fixture
def app_overrides(mail_app_overrides):
    return mail_app_overrides


def test_host_change_mail_is_delivered(client, app, future_course, planners, smtp):
    course = future_course()
    target = next(s for s in course["sessions"] if s["host_region"] == "03")
    response = client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"host_region": "05"},
        headers=planners["03"].headers,
    )
    assert response.status_code == 200
    with app.app_context():
        report = deliver_pending()
    assert report.sent == 2 and report.failed == 0
    [swedish] = smtp.mailbox.to(planners["05"].email)
    assert swedish["Subject"] == "Ändringar i värdturerna: Egentliga Finlands välfärdsområde"
    assert "Ditt område är nu värd för den här träffen." in smtp.mailbox.body(swedish)
    [finnish] = smtp.mailbox.to(planners["03"].email)
    assert "Alueesi ei enää vedä tätä kertaa." in smtp.mailbox.body(finnish)
