"""Feedback: one-time invites by real email, anonymous answers, bad input, open groups."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from scheduler.audit import AuditEntry
from scheduler.extensions import db
from scheduler.followup.models import FeedbackAnswer, FeedbackInvite
from scheduler.security import hash_token
from tests.followup.conftest import local

FEEDBACK_LINK = re.compile(r"http://localhost/feedback/([A-Za-z0-9_-]+)\?lang=(fi|sv)")
GOOD = {
    "expectations": "partly",
    "topics": "5",
    "facilitators": "4",
    "again": "dont_know",
    "free_text": "Mukavaa oli.",
    "with_support": "on",
}


@pytest.fixture
def app_overrides(mail_app_overrides):
    return mail_app_overrides


@pytest.fixture
def finished_course(closed_course, place_sessions, add_participant):
    """A closed course whose last session ended yesterday, with two participants."""

    def make():
        course = closed_course(sessions=2)
        place_sessions(course["id"], [local(-8, 10), local(-1, 10)])
        people = [
            add_participant(course["id"], region="14", language="fi"),
            add_participant(course["id"], region="05", language="sv"),
        ]
        add_participant(course["id"], status="waitlisted")
        return course, people

    return make


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def _invite_token(smtp, person) -> str:
    (mail,) = smtp.mailbox.to(person.email)
    ((token, language),) = FEEDBACK_LINK.findall(smtp.mailbox.body(mail))
    assert language == person.language
    return token


def test_invites_once_each_by_email_and_the_token_works_once(
    app, runner, client, smtp, finished_course
):
    course, (finn, swede) = finished_course()
    for _ in range(2):
        result = runner.invoke(args=["feedback", "send"])
        assert result.exit_code == 0, result.output
    assert "0 queued, 2 already sent" in result.output
    assert len(smtp.mailbox.messages) == 2  # the waitlisted applicant is not asked
    (sv_mail,) = smtp.mailbox.to(swede.email)
    assert "Vad tyckte du" in sv_mail["Subject"]

    token = _invite_token(smtp, finn)
    with app.app_context():  # only the hash is stored
        invite = db.session.scalar(
            db.select(FeedbackInvite).where(FeedbackInvite.application_id == finn.id)
        )
        assert invite.token_hash == hash_token(token) and token not in invite.token_hash

    form = client.get(f"/feedback/{token}?lang=fi")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Kerro, mitä mieltä olit" in page
    assert 'for="topics-5"' in page and 'id="topics-5"' in page

    sent = client.post(f"/feedback/{token}?lang=fi", data=GOOD)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/feedback/thanks")
    assert "Kiitos" in client.get("/feedback/thanks?lang=fi").get_data(as_text=True)

    again = client.post(f"/feedback/{token}", data=GOOD)
    assert again.status_code == 409
    assert client.get(f"/feedback/{token}").status_code == 409
    assert client.get("/feedback/not-a-real-token").status_code == 404

    with app.app_context():
        (answer,) = db.session.scalars(db.select(FeedbackAnswer))
        assert (answer.course_id, answer.region_code, answer.language) == (course["id"], "14", "fi")
        assert (answer.expectations, answer.topics, answer.facilitators, answer.again) == (
            "partly",
            5,
            4,
            "dont_know",
        )
        assert answer.with_support is True and answer.free_text == "Mukavaa oli."
        assert db.session.get(FeedbackInvite, invite.id).used is True
        # The audit log names the course only.
        entry = db.session.scalar(
            db.select(AuditEntry).where(AuditEntry.action == "feedback.answer")
        )
        assert entry.object_type == "course" and entry.changes == {}


def test_no_invites_before_the_last_session_or_for_cancelled_ones(
    app, runner, smtp, closed_course, place_sessions, add_participant
):
    running = closed_course(sessions=2)
    place_sessions(running["id"], [local(-1, 10), local(6, 10)])
    add_participant(running["id"])
    all_cancelled = closed_course(sessions=1)
    place_sessions(all_cancelled["id"], [local(-1, 10)], cancelled=(1,))
    add_participant(all_cancelled["id"])
    result = runner.invoke(args=["feedback", "send"])
    assert "0 queued" in result.output
    assert smtp.mailbox.messages == []


def test_the_answer_cannot_be_linked_to_the_invite_or_the_participant(app):
    """The schema itself: an answer row has no key, column or time that points back."""
    with app.app_context():
        inspector = inspect(db.engine)
        columns = {c["name"] for c in inspector.get_columns("feedback_answer")}
        assert columns == {
            "id",
            "course_id",
            "region_code",
            "language",
            "expectations",
            "topics",
            "facilitators",
            "again",
            "free_text",
            "with_support",
        }
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys("feedback_answer")}
        assert targets == {"course", "region"}
        # Nothing points at an answer either, and a used invite keeps no time of use.
        for table in inspector.get_table_names():
            for fk in inspector.get_foreign_keys(table):
                assert fk["referred_table"] != "feedback_answer", table
        invite_columns = {c["name"] for c in inspector.get_columns("feedback_invite")}
        assert "used" in invite_columns
        assert not {"used_at", "answered_at", "answer_id"} & invite_columns


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"expectations": ""}, "expectations", "Kysymys 1: valitse yksi vastaus."),
        ({"topics": None}, "topics", "Kysymys 2: valitse numero 1–5."),
        ({"topics": "7"}, "topics", "Kysymys 2: vastauksen pitää olla numero 1–5."),
        ({"facilitators": "0"}, "facilitators", "Kysymys 3: vastauksen pitää olla numero 1–5."),
        ({"facilitators": "viisi"}, "facilitators", "Kysymys 3: vastauksen pitää olla numero 1–5."),
        ({"again": "maybe"}, "again", "Kysymys 4: valitse yksi näkyvistä vastauksista."),
        ({"free_text": "x" * 2001}, "free_text", "Kysymys 5: teksti on liian pitkä."),
    ],
)
def test_bad_answers_get_a_clear_message_and_nothing_is_stored(
    app, runner, client, smtp, finished_course, changes, field, message
):
    _course, (finn, _swede) = finished_course()
    runner.invoke(args=["feedback", "send"])
    token = _invite_token(smtp, finn)
    data = {**GOOD, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(f"/feedback/{token}?lang=fi", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page and f'href="#{field}"' in page
    assert f'id="{field}-error"' in page
    # What was already chosen stays chosen.
    if field != "topics":
        assert 'id="topics-5" name="topics" value="5" checked' in page
    assert _count(app, FeedbackAnswer) == 0
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(FeedbackInvite).where(FeedbackInvite.application_id == finn.id)
            ).used
            is False
        )
    # …and the participant can still answer.
    assert client.post(f"/feedback/{token}", data=GOOD).status_code == 302


def test_everything_missing_lists_every_question(app, runner, client, smtp, finished_course):
    _course, (_finn, swede) = finished_course()
    runner.invoke(args=["feedback", "send"])
    token = _invite_token(smtp, swede)
    response = client.post(f"/feedback/{token}?lang=sv", data={})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("expectations", "topics", "facilitators", "again"):
        assert f'href="#{field}"' in page
    assert "Fråga 1: välj ett svar." in page and "Fråga 4: välj ett svar." in page
    assert "Fråga 2: välj en siffra från 1 till 5." in page
    assert _count(app, FeedbackAnswer) == 0


def test_open_group_feedback_is_public_and_once_per_browser_session(
    app, client, make_course, closed_course, place_sessions
):
    course = make_course(sessions=2, regions=["03", "05", "14"])
    place_sessions(course["id"], [local(3, 10), local(10, 10)])
    url = f"/feedback/course/{course['id']}"
    assert client.get(url).status_code == 409  # not before the first meeting

    place_sessions(course["id"], [local(-2, 10)])
    page = client.get(url + "?lang=sv")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "I vilket område bor du?" in text and 'id="region-none"' in text

    bad = client.post(url, data={**GOOD, "region": "21"})  # not a participating region
    assert bad.status_code == 422 and _count(app, FeedbackAnswer) == 0

    assert client.post(url, data={**GOOD, "region": "03"}).status_code == 302
    assert client.post(url, data=GOOD).status_code == 409
    assert client.get(url).status_code == 409

    other_browser = app.test_client()
    assert other_browser.post(url, data={**GOOD, "free_text": ""}).status_code == 302
    with app.app_context():
        answers = list(db.session.scalars(db.select(FeedbackAnswer).order_by(FeedbackAnswer.id)))
        assert [a.region_code for a in answers] == ["03", None]

    closed = closed_course(sessions=1)
    place_sessions(closed["id"], [local(-2, 10)])
    assert client.get(f"/feedback/course/{closed['id']}").status_code == 404
    assert client.get("/feedback/course/999999").status_code == 404
