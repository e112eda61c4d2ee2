"""Text messages through the outbox, delivered to a stand-in GatewayAPI on loopback that
checks the auth, the JSON and the length, and can fail, stall or answer garbage."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import deliver_pending, queue_sms

PHONE = "+358401234567"
MSISDN = 358401234567
LINK = "http://localhost/j/AbCdEfGhIjKlMnOpQrStUv"


@pytest.fixture
def app_overrides(sms_app_overrides):
    return sms_app_overrides


def _queue(app, phone: str = PHONE, name: str = "Aino", link: str = LINK) -> int:
    with app.test_request_context():
        message = queue_sms(phone, "test_message", "fi", kind="test", name=name, link=link)
        db.session.commit()
        return message.id


def _deliver(app):
    with app.app_context():
        return deliver_pending()


def _message(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def _make_due(app) -> None:
    with app.app_context():
        db.session.execute(
            db.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_a_text_message_reaches_the_gateway_once_with_auth_json_and_fitting_length(app, gateway):
    first, second = _queue(app), _queue(app, "+46701234567", "Britta")
    report = _deliver(app)
    assert (report.sent, report.failed) == (2, 0)
    assert gateway.refused == []  # the stand-in checked auth, JSON shape and length
    [aino] = gateway.to(MSISDN)
    [britta] = gateway.to(46701234567)
    assert aino.sender == "Etapaiva"
    assert aino.message.startswith("Etäpäivä: tällä tekstiviestillä")
    assert "Hei Aino!" in aino.message and aino.message.endswith(LINK)
    assert "Hei Britta!" in britta.message
    stored = _message(app, first)
    assert stored.sent_at is not None and stored.attempts == 1
    # The stored copy keeps which link was sent, not the short code that opens it.
    assert "AbCdEfGhIjKlMnOpQrStUv" not in stored.body
    assert stored.body.endswith("/j/[removed]")
    assert _message(app, second).sent_at is not None
    # Sending again sends nothing twice.
    assert _deliver(app).sent == 0
    assert len(gateway.accepted) == 2


def test_the_number_is_encrypted_at_rest(app, gateway):
    from sqlalchemy import Text, type_coerce

    message_id = _queue(app)
    with app.app_context():
        raw = db.session.scalar(
            db.select(type_coerce(OutboxMessage.__table__.c.phone, Text)).where(
                OutboxMessage.id == message_id
            )
        )
        recipient = db.session.get(OutboxMessage, message_id).recipient
    assert raw.startswith("gAAAAA") and "401234567" not in raw
    assert recipient == ""


def test_a_wrong_token_is_refused_and_retried_later(app, gateway):
    app.config["SMS_API_TOKEN"] = "not-the-token"
    message_id = _queue(app)
    assert _deliver(app).failed == 1
    assert gateway.refused == ["auth"] and gateway.accepted == []
    message = _message(app, message_id)
    assert message.sent_at is None and message.failed_at is None
    assert message.attempts == 1 and message.next_attempt_at > utcnow()
    assert message.last_error == "sms: answer 401"
    assert "not-the-token" not in message.last_error and "358" not in message.last_error


def test_a_failing_gateway_is_retried_with_back_off_and_sends_once_when_back(app, gateway):
    gateway.mode = "error"
    message_id = _queue(app)
    assert _deliver(app).failed == 1
    message = _message(app, message_id)
    assert (message.attempts, message.last_error) == (1, "sms: answer 500")
    first_retry = message.next_attempt_at - utcnow()
    assert timedelta(seconds=30) < first_retry <= timedelta(minutes=1)
    # Not due yet: nothing is tried even when the gateway is back.
    gateway.mode = "normal"
    assert _deliver(app).sent == 0 and gateway.requests == 1
    _make_due(app)
    gateway.mode = "error"
    _deliver(app)
    assert _message(app, message_id).next_attempt_at - utcnow() > timedelta(minutes=1)
    _make_due(app)
    gateway.mode = "normal"
    assert _deliver(app).sent == 1
    assert len(gateway.to(MSISDN)) == 1
    assert _message(app, message_id).attempts == 3


def test_a_stalled_gateway_times_out_and_the_rest_of_the_batch_waits(app, gateway):
    gateway.mode = "slow"
    gateway.slow_seconds = 3
    ids = [_queue(app, name=f"N{n}") for n in range(3)]
    started = time.monotonic()
    report = _deliver(app)
    took = time.monotonic() - started
    assert (report.sent, report.failed) == (0, 3)
    assert took < 2.5  # one timeout (SMS_TIMEOUT = 1 s), not one per message
    assert gateway.requests == 1
    messages = [_message(app, message_id) for message_id in ids]
    assert [m.attempts for m in messages] == [1, 1, 1]
    assert messages[0].last_error == "sms: timeout"
    assert all(m.sent_at is None and m.failed_at is None for m in messages)
    # The stalled answer came too late to count; when the gateway answers, each goes once.
    gateway.mode = "normal"
    _make_due(app)
    assert _deliver(app).sent == 3
    assert len(gateway.accepted) == 3
    assert len({sms.message for sms in gateway.accepted}) == 3


@pytest.mark.parametrize(
    ("mode", "error"),
    [("garbage", "sms: answer 200 is not JSON"), ("huge", "sms: answer too large")],
)
def test_a_garbage_or_endless_answer_is_retried(app, gateway, mode, error):
    gateway.mode = mode
    message_id = _queue(app)
    assert _deliver(app).failed == 1
    message = _message(app, message_id)
    assert (message.attempts, message.last_error, message.sent_at) == (1, error, None)
    gateway.mode = "normal"
    _make_due(app)
    assert _deliver(app).sent == 1
    assert len(gateway.accepted) == 1


def test_gives_up_after_the_last_attempt_and_keeps_no_working_link(app, gateway):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    gateway.mode = "error"
    message_id = _queue(app)
    _deliver(app)
    _make_due(app)
    _deliver(app)
    message = _message(app, message_id)
    assert message.failed_at is not None and message.attempts == 2
    assert "AbCdEfGhIjKlMnOpQrStUv" not in message.body
    _make_due(app)
    gateway.mode = "normal"
    assert _deliver(app).sent == 0 and gateway.accepted == []


def test_one_bad_message_never_blocks_the_others(app, gateway):
    too_long = _queue(app)
    no_number = _queue(app)
    good = _queue(app, name="Hyvä")
    with app.app_context():
        db.session.get(OutboxMessage, too_long).body = "x" * 460  # four segments
        db.session.get(OutboxMessage, no_number).phone = ""
        db.session.commit()
    report = _deliver(app)
    assert (report.sent, report.failed) == (1, 2)
    assert _message(app, too_long).last_error == "sms: too long: 4 segments"
    assert _message(app, no_number).last_error == "sms: no phone number"
    assert _message(app, too_long).failed_at is not None
    assert _message(app, good).sent_at is not None
    [sms] = gateway.accepted
    assert "Hei Hyvä!" in sms.message


def test_parallel_senders_never_send_a_message_twice(app, gateway):
    ids = [_queue(app, name=f"N{n}") for n in range(12)]
    results = []

    def send() -> None:
        with app.app_context():
            results.append(deliver_pending(limit=3))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result.sent for result in results) == 12
    assert len(gateway.accepted) == 12
    assert len({sms.message for sms in gateway.accepted}) == 12
    assert all(_message(app, message_id).sent_at is not None for message_id in ids)


def test_the_console_provider_prints_the_message(app, gateway, capsys):
    app.config["SMS_PROVIDER"] = "console"
    _queue(app)
    assert _deliver(app).sent == 1
    printed = capsys.readouterr().out
    assert f"SMS to {PHONE}" in printed and "1 segment(s), GSM-7" in printed
    assert LINK in printed  # the developer can follow the link
    assert gateway.requests == 0


def test_outbox_test_sms_command_queues_a_text_message(app, gateway, runner):
    result = runner.invoke(args=["outbox", "test-sms", "040 123 4567"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["outbox", "send"]).output.strip() == "1 sent, 0 failed"
    [sms] = gateway.accepted
    assert sms.msisdn == MSISDN
    bad = runner.invoke(args=["outbox", "test-sms", "12"])
    assert bad.exit_code != 0 and "not a phone number" in bad.output
