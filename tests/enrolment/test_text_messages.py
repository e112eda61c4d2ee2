"""Every message about an application reaches applicants who chose text messages, and their
support persons, in the application's language, within three SMS segments with the longest
titles and names, with the short personal link whole: confirmation, decisions, the waiting
list, withdrawal, "you already applied", reminders and the feedback invitation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.courses.models import Session
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token
from scheduler.extensions import db
from scheduler.followup.feedback import send_invites
from scheduler.followup.reminders import reminder_due_from, send_reminders
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import deliver_pending
from scheduler.notify.sms import measure
from tests.notify.long_texts import (
    BASE_URL,
    FEEDBACK_LINK_AT_END,
    LONG_NAME,
    LONG_TITLES,
    SHORT_LINK_AT_END,
)

SMS_TEMPLATES = {
    "enrolment.received",
    "enrolment.waitlisted",
    "enrolment.accepted",
    "enrolment.promoted",
    "enrolment.rejected",
    "enrolment.withdrawn",
    "enrolment.removed",
    "enrolment.again",
    "followup.reminder",
    "followup.feedback_invite",
}


@pytest.fixture
def app_overrides(sms_app_overrides, mail_app_overrides):
    return {
        **mail_app_overrides,
        **sms_app_overrides,
        "PUBLIC_BASE_URL": BASE_URL,
        "APPLICATION_RATE_LIMIT_PER_HOUR": 1000,
    }


def _sms_applicant(number: int, language: str) -> dict:
    return {
        "name": LONG_NAME,
        "email": "",
        "phone": f"040 123 45{number:02d}",
        "contact": "sms",
        "language": language,
        "messages_to": "both",
        "support_person": {
            "name": LONG_NAME,
            "phone": f"050 765 43{number:02d}",
            "relation": "tytär" if language == "fi" else "dotter",
        },
    }


def _decide(client, planner, application_id: int, status: str) -> None:
    response = client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": status},
        headers=planner.headers,
    )
    assert response.status_code == 200, response.get_json()


def _token(app, application_id: int) -> str:
    with app.app_context():
        return personal_token(db.session.get(Application, application_id))


@pytest.mark.parametrize("title_kind", ["plain", "emoji"])
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_fits_three_segments_in_both_languages(
    app, client, closed_course, apply, make_user, gateway, language, title_kind
):
    course = closed_course(
        capacity=1, title=LONG_TITLES[title_kind], languages=["fi", "sv"], sessions=2
    )
    planner = make_user("planner", "05")
    first = apply(course["id"], **_sms_applicant(1, language)).get_json()["id"]
    second = apply(course["id"], **_sms_applicant(2, language)).get_json()["id"]
    third = apply(course["id"], **_sms_applicant(3, language)).get_json()["id"]
    _decide(client, planner, first, "waitlisted")
    _decide(client, planner, first, "accepted")
    _decide(client, planner, second, "waitlisted")
    _decide(client, planner, third, "rejected")
    # The first withdraws: the second is promoted; the region then removes the second.
    assert (
        client.post("/api/v1/applications/withdraw", json={"token": _token(app, first)}).status_code
        == 200
    )
    _decide(client, planner, second, "withdrawn")
    # Someone sends the form again with the third's number: its own contacts are told.
    form = {
        "name": "Joku",
        "phone": "040 123 4503",
        "region": "05",
        "language": language,
        "consent": "yes",
    }
    assert client.post(f"/courses/{course['id']}/apply", data=form).status_code == 303
    # An accepted participant gets the reminder and, after the course, the feedback invite.
    fourth = apply(course["id"], **_sms_applicant(4, language)).get_json()["id"]
    _decide(client, planner, fourth, "accepted")
    with app.app_context():
        sessions = list(
            db.session.scalars(
                db.select(Session)
                .where(Session.course_id == course["id"])
                .order_by(Session.starts_at)
            )
        )
        send_reminders(reminder_due_from(sessions[0].starts_at, "09:00") + timedelta(minutes=1))
        send_invites(sessions[-1].ends_at + timedelta(hours=1))
        texts = list(
            db.session.scalars(
                db.select(OutboxMessage)
                .where(OutboxMessage.channel == "sms")
                .order_by(OutboxMessage.id)
            )
        )
        kinds = {text.kind for text in texts}
        assert kinds == SMS_TEMPLATES, kinds ^ SMS_TEMPLATES
        for text in texts:
            length = measure(text.body)
            assert length.segments <= 3, (length, text.body)
            link = FEEDBACK_LINK_AT_END if "feedback" in text.kind else SHORT_LINK_AT_END
            assert link.search(text.body), text.body  # the link is whole, at the end
            assert text.language == language
            if title_kind == "plain":
                assert length.encoding == "gsm7", text.body
        # Every message went to the applicant's phone and to the support person's.
        phones = {(text.kind, text.phone) for text in texts}
        assert ("enrolment.received", "+358401234501") in phones
        assert ("enrolment.received", "+358507654301") in phones
        assert ("followup.reminder", "+358401234504") in phones
        assert ("followup.reminder", "+358507654304") in phones
        assert (
            db.session.scalar(db.select(db.func.count()).where(OutboxMessage.channel == "email"))
            == 0
        )  # nobody chose email
        deliver_pending()
    assert len(gateway.accepted) == len(texts)
    assert gateway.refused == []
    words = {"fi": "Oma sivusi:", "sv": "Din sida:"}[language]
    assert any(words in sms.message for sms in gateway.accepted)


def test_a_reminder_by_text_message_is_queued_once_however_often_the_command_runs(
    app, client, closed_course, apply, make_user
):
    course = closed_course(capacity=2, sessions=1)
    application_id = apply(course["id"], **_sms_applicant(1, "fi")).get_json()["id"]
    _decide(client, make_user("planner", "05"), application_id, "accepted")
    with app.app_context():
        session = db.session.scalar(db.select(Session).where(Session.course_id == course["id"]))
        due = reminder_due_from(session.starts_at, "09:00") + timedelta(minutes=1)
        first = send_reminders(due)
        second = send_reminders(due + timedelta(minutes=10))
        reminders = db.session.scalars(
            db.select(OutboxMessage.phone).where(OutboxMessage.kind == "followup.reminder")
        ).all()
    assert (first.queued, second.queued, second.already) == (2, 0, 2)
    assert sorted(reminders) == ["+358401234501", "+358507654301"]
