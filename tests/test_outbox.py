"""Outbox: mail is queued with the change and delivered over real SMTP, surviving an outage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import backoff, deliver_pending, queue_email


@pytest.fixture
def app_overrides(mail_app_overrides):
    return mail_app_overrides


def _queue(app, recipient: str, language: str) -> None:
    with app.test_request_context():
        queue_email(recipient, "test_message", language, kind="test", name="Testi")
        db.session.commit()


def _make_due(app) -> None:
    with app.app_context():
        for message in db.session.scalars(db.select(OutboxMessage)):
            message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_queued_mail_is_delivered_in_the_recipients_language(app, smtp, runner):
    _queue(app, "anna@example.org", "fi")
    _queue(app, "britta@example.org", "sv")
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 failed" in result.output
    [fi] = smtp.mailbox.to("anna@example.org")
    [sv] = smtp.mailbox.to("britta@example.org")
    assert fi["Subject"] == "Testiviesti"
    assert sv["Subject"] == "Testmeddelande"
    assert "Hei Testi" in smtp.mailbox.body(fi)
    assert "Hej Testi" in smtp.mailbox.body(sv)
    # Sending again sends nothing twice.
    assert "0 sent, 0 failed" in runner.invoke(args=["outbox", "send"]).output


def test_outbox_survives_an_smtp_outage(app, smtp, runner):
    smtp.stop()
    _queue(app, "anna@example.org", "fi")
    result = runner.invoke(args=["outbox", "send"])
    assert "0 sent, 1 failed" in result.output
    with app.app_context():
        message = db.session.scalar(db.select(OutboxMessage))
        assert message.sent_at is None and message.failed_at is None
        assert message.attempts == 1
        assert message.next_attempt_at > utcnow()  # backed off
        assert "connect" in message.last_error
        assert "anna" not in message.last_error  # no personal data in the error
    # Not yet due: nothing is tried even when the server is back.
    smtp.start()
    assert "0 sent, 0 failed" in runner.invoke(args=["outbox", "send"]).output
    _make_due(app)
    assert "1 sent, 0 failed" in runner.invoke(args=["outbox", "send"]).output
    assert len(smtp.mailbox.to("anna@example.org")) == 1


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == timedelta(hours=1)


def test_gives_up_after_max_attempts(app, smtp):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    smtp.stop()
    _queue(app, "anna@example.org", "fi")
    with app.app_context():
        deliver_pending()
    _make_due(app)
    with app.app_context():
        deliver_pending()
        message = db.session.scalar(db.select(OutboxMessage))
        assert message.failed_at is not None and message.attempts == 2


def test_mail_is_sent_soon_after_commit_when_running(app, smtp):
    app.config["OUTBOX_SEND_ON_COMMIT"] = True
    client = app.test_client()

    @app.get("/_test/queue")
    def queue_view():  # a request that queues mail and commits, like every real change
        queue_email("carl@example.org", "test_message", "sv", kind="test", name="Carl")
        db.session.commit()
        return "ok"

    assert client.get("/_test/queue").status_code == 200
    import time

    deadline = time.monotonic() + 10
    while not smtp.mailbox.to("carl@example.org") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtp.mailbox.to("carl@example.org")


def test_parallel_senders_never_send_twice(app, smtp):
    import threading

    for number in range(30):
        _queue(app, f"person{number}@example.org", "fi")
    reports = []
    start = threading.Barrier(4)

    def send() -> None:
        with app.app_context():
            start.wait()
            reports.append(deliver_pending(limit=5))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(report.sent for report in reports) == 30
    assert len(smtp.mailbox.messages) == 30
    assert smtp.mailbox.messages[0]["Content-Language"] == "fi"
