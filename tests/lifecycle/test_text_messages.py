"""Notices of cancelled, moved and restored sessions reach participants who chose text
messages (and their support persons), in their language, within three SMS segments even
with the longest titles, names and reasons, through the stand-in gateway."""

from __future__ import annotations

import pytest

from scheduler.courses.models import Course, Session
from scheduler.enrolment.models import Application, SupportPerson
from scheduler.enrolment.tokens import assign_new_token
from scheduler.extensions import db
from scheduler.i18n import LocalizedText
from scheduler.lifecycle import notifications
from scheduler.lifecycle.notifications import SessionChange, notify_session_change
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import deliver_pending
from scheduler.notify.sms import measure
from tests.lifecycle.conftest import local
from tests.notify.long_texts import BASE_URL, LONG_NAME, LONG_REASON, LONG_TITLES, SHORT_LINK_AT_END

FIRST_WORDS = {"fi": ("Tukihenkilölle", "Kiireellinen"), "sv": ("Till stödperson", "Brådskande")}


@pytest.fixture
def app_overrides(sms_app_overrides):
    return {**sms_app_overrides, "PUBLIC_BASE_URL": BASE_URL}


def _participant(course_id: int, language: str) -> int:
    application = Application(
        course_id=course_id,
        name=LONG_NAME,
        phone="+358401234567",
        contact="sms",
        region_code="05",
        language=language,
        status="accepted",
        messages_to="both",
    )
    application.support_person = SupportPerson(
        name=LONG_NAME, phone="+358501234567", relation="tytär", contact="sms"
    )
    assign_new_token(application)
    db.session.add(application)
    db.session.commit()
    return application.id


@pytest.mark.parametrize("title_kind", ["plain", "emoji"])
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_change_notice_fits_three_segments(
    app, closed_course, place, gateway, language, title_kind
):
    title = LONG_TITLES[title_kind]
    course_json = closed_course(weeks=1, sessions=4, title=title, languages=["fi", "sv"])
    # Tomorrow: every notice is urgent, so each carries its longest form ("Urgent:").
    for hour, session in zip((10, 12, 14, 16), course_json["sessions"], strict=True):
        place(session["id"], local(1, hour))
    with app.app_context():
        _participant(course_json["id"], language)
        course = db.session.get(Course, course_json["id"])
        sessions = list(
            db.session.scalars(db.select(Session).where(Session.course_id == course.id))
        )
        reason = LocalizedText(**LONG_REASON)
        for event in notifications.EVENTS:
            for count in (1, 3):
                changes = [
                    SessionChange(
                        session,
                        old_starts_at=session.starts_at.replace(hour=8)
                        if event == notifications.SESSION_MOVED
                        else None,
                        old_ends_at=session.ends_at.replace(hour=9)
                        if event == notifications.SESSION_MOVED
                        else None,
                    )
                    for session in sessions[:count]
                ]
                notify_session_change(course, changes, event, reason=reason)
        db.session.commit()
        texts = list(
            db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.channel == "sms"))
        )
        # Five events, two sizes, the participant and the support person.
        assert len(texts) == len(notifications.EVENTS) * 2 * 2
        for text in texts:
            length = measure(text.body)
            assert length.segments <= 3, (length, text.body)
            assert SHORT_LINK_AT_END.search(text.body), text.body  # the link is whole
            assert text.language == language
            assert text.urgent
        support_copies = [t for t in texts if t.body.startswith(FIRST_WORDS[language][0])]
        assert len(support_copies) == len(texts) // 2
        others = [t for t in texts if t not in support_copies]
        assert all(t.body.startswith(FIRST_WORDS[language][1]) for t in others)
        if title_kind == "plain":
            assert all(measure(t.body).encoding == "gsm7" for t in texts)
            # The reason is told, shortened to fit.
            assert any(LONG_REASON[language][:30] in t.body for t in texts)
        else:
            assert any("🎵" in t.body for t in texts)  # kept, at UCS-2's price
        deliver_pending()  # (the planners' emails wait: no SMTP server in this test)
        db.session.expire_all()
        assert all(text.sent_at is not None for text in texts)
    assert len(gateway.accepted) == len(texts)
    assert gateway.refused == []  # the gateway's own count agrees: none over 3 segments
    assert {sms.msisdn for sms in gateway.accepted} == {358401234567, 358501234567}
