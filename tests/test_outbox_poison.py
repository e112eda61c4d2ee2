"""Mail that cannot jam: one bad message never stops, repeats or hides the others.

Finding 5 of issue 9: a course title with U+2028 (or \\v, \\x85) made `outbox send` crash
after delivering its batch but before recording it, so the whole batch went out again
every five minutes. Real SMTP (aiosmtpd) on loopback; the server refuses some recipients
for good (550) and others for now (451), as real servers do.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import CLAIM_FOR, deliver_pending, queue_email
from tests.conftest import MailBox, SmtpServer, free_port

SEPARATORS = ["\r", "\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


class PickyMailBox(MailBox):
    """Refuses refused-* recipients for good, later-* for now, and the content for spam-*."""

    async def handle_DATA(self, server, session, envelope):
        if any(address.startswith("spam") for address in envelope.rcpt_tos):
            return "554 5.7.1 Message refused"
        return await super().handle_DATA(server, session, envelope)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such user here"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.mailbox = PickyMailBox()
    server.port = free_port()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_overrides(mail_app_overrides):
    return mail_app_overrides


def _raw(app, recipient: str, subject: str, body: str = "Hei!\n", kind: str = "test") -> int:
    """A queued row as it may already stand in a database (queued before the checks)."""
    with app.app_context():
        message = OutboxMessage(
            recipient=recipient, language="fi", subject=subject, body=body, kind=kind
        )
        db.session.add(message)
        db.session.commit()
        return message.id


def _rows(app) -> dict[str, OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage)).all()
        db.session.expunge_all()
        return {row.recipient: row for row in rows}


def test_line_separators_in_a_subject_never_jam_the_queue(app, smtp):
    for number, separator in enumerate(SEPARATORS):
        _raw(app, f"person{number}@example.org", f"Kurssi{separator}Bcc: evil@example.org")
    with app.app_context():
        report = deliver_pending(limit=3)  # several batches
    assert (report.sent, report.failed) == (len(SEPARATORS), 0)
    for number in range(len(SEPARATORS)):
        [message] = smtp.mailbox.to(f"person{number}@example.org")
        assert message["Subject"] == "Kurssi Bcc: evil@example.org"  # one line, no new header
        assert message["Bcc"] is None
    assert not smtp.mailbox.to("evil@example.org")


def test_a_course_title_with_separators_is_queued_as_one_clean_subject(app, smtp):
    with app.test_request_context():
        # The template's first line becomes the subject; the name stands in for a title.
        queue_email("anna@example.org", "test_message", "fi", kind="test", name="x\u2028y\x85z\vw")
        db.session.commit()
        stored = db.session.scalar(db.select(OutboxMessage.subject))
    assert not any(separator in stored for separator in SEPARATORS)


def test_one_bad_message_is_marked_failed_and_never_blocks_or_repeats_the_others(app, smtp):
    ids = {
        "first": _raw(app, "first@example.org", "Eka"),
        "refused": _raw(app, "refused@example.org", "Ei perillä"),
        "unicode": _raw(app, "ääkkönen@example.org", "Ääkköset\u2028osoitteessa"),
        "spam": _raw(app, "spam@example.org", "Sisältö torjutaan"),
        "later": _raw(app, "later@example.org", "Myöhemmin"),
        "last": _raw(app, "last@example.org", "Vika"),
    }
    with app.app_context():
        report = deliver_pending()
    assert (report.sent, report.failed) == (3, 3)
    rows = _rows(app)
    for address in ("first@example.org", "ääkkönen@example.org", "last@example.org"):
        assert rows[address].sent_at is not None and rows[address].failed_at is None
    refused = rows["refused@example.org"]
    assert refused.failed_at is not None and refused.last_error == (
        "refused: SMTPRecipientsRefused 550"
    )
    spam = rows["spam@example.org"]
    assert spam.failed_at is not None and spam.last_error == "refused: SMTPDataError 554"
    later = rows["later@example.org"]
    assert later.failed_at is None and later.sent_at is None
    assert later.last_error == "refused: SMTPRecipientsRefused 451"
    assert later.next_attempt_at > utcnow()  # retried later, with back-off
    assert len(smtp.mailbox.messages) == 3
    assert len(ids) == 6

    # Sending again — even after every claim has expired — delivers nothing twice.
    with app.app_context():
        for message in db.session.scalars(db.select(OutboxMessage)):
            message.claimed_until = utcnow() - timedelta(seconds=1)
            if message.recipient.startswith("later"):
                message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        again = deliver_pending()
    assert (again.sent, again.failed) == (0, 1)  # only the 451 one is tried again
    assert len(smtp.mailbox.messages) == 3


def test_a_claim_taken_over_by_another_sender_is_not_sent_twice(app, smtp):
    """A sender whose claim expired (it was slow) must not send what another one took."""
    message_id = _raw(app, "anna@example.org", "Hei")
    with app.app_context():
        db.session.execute(
            db.update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(claimed_by="someone-else", claimed_until=utcnow() + CLAIM_FOR)
        )
        db.session.commit()
        report = deliver_pending()
    assert (report.sent, report.failed) == (0, 0)
    assert not smtp.mailbox.messages


def test_delivered_bodies_keep_no_working_token(app, smtp):
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
    body = (
        f"Oma sivu: http://localhost/my/{token}\n"
        f"Kalenteri: http://localhost/calendar/p/{token}.ics\n"
        f"Palaute: http://localhost/feedback/{token}?lang=fi\n"
        "Kurssi: http://localhost/courses/12\n"
    )
    _raw(app, "anna@example.org", "Linkit", body=body)
    _raw(app, "refused@example.org", "Linkit", body=body)  # given up: no link kept either
    with app.app_context():
        deliver_pending()
    [delivered] = smtp.mailbox.to("anna@example.org")
    assert token in smtp.mailbox.body(delivered)  # the recipient got the working link
    rows = _rows(app)
    for row in rows.values():
        assert token not in row.body
        assert "http://localhost/my/[removed]" in row.body
        assert "http://localhost/calendar/p/[removed].ics" in row.body
        assert "http://localhost/courses/12" in row.body  # what was sent stays readable
        assert not re.search(r"[A-Za-z0-9_-]{22,}", row.body)
