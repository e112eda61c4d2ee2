"""Mail and SMS settings: validated at start-up; console output only off production."""

from __future__ import annotations

import pytest

from scheduler.config import ConfigError, load_config
from scheduler.crypto import TEST_KEY
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import deliver_pending, queue_email

PRODUCTION = {
    "SCHEDULER_ENV_NAME": "production",
    "SCHEDULER_SECRET_KEY": "x" * 40,
    "SCHEDULER_SQLALCHEMY_DATABASE_URI": "sqlite:///x.db",
    "SCHEDULER_DATA_ENCRYPTION_KEYS": TEST_KEY,
}


def test_development_without_a_mail_server_prints_mail_and_text_messages():
    config = load_config(environ={})
    assert config["MAIL_BACKEND"] == "console"
    assert config["MAIL_SERVER"] == "127.0.0.1"
    assert config["SMS_PROVIDER"] == "console"
    assert config["SMS_API_URL"] == "https://gatewayapi.com/rest/mtsms"


def test_a_configured_mail_server_means_smtp():
    config = load_config(environ={"SCHEDULER_MAIL_SERVER": "mail.example.org"})
    assert (config["MAIL_BACKEND"], config["MAIL_SERVER"]) == ("smtp", "mail.example.org")
    assert load_config(environ={"SCHEDULER_MAIL_BACKEND": "smtp"})["MAIL_SERVER"] == "127.0.0.1"


def test_production_sends_mail_and_offers_no_text_messages_unless_configured():
    config = load_config(environ=PRODUCTION)
    assert (config["MAIL_BACKEND"], config["SMS_PROVIDER"]) == ("smtp", "none")
    config = load_config(
        environ={
            **PRODUCTION,
            "SCHEDULER_SMS_PROVIDER": "gatewayapi",
            "SCHEDULER_SMS_API_TOKEN": "t0ken",
        }
    )
    assert config["SMS_PROVIDER"] == "gatewayapi"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({**PRODUCTION, "SCHEDULER_MAIL_BACKEND": "console"}, "MAIL_BACKEND"),
        ({**PRODUCTION, "SCHEDULER_SMS_PROVIDER": "console"}, "SMS_PROVIDER"),
        ({"SCHEDULER_SMS_PROVIDER": "gatewayapi"}, "SMS_API_TOKEN is missing"),
        ({"SCHEDULER_SMS_PROVIDER": "twilio"}, "SMS_PROVIDER is malformed"),
        ({"SCHEDULER_SMS_SENDER": "Etäpäivä"}, "SMS_SENDER is malformed"),
        ({"SCHEDULER_SMS_SENDER": "Etapaiva Turku"}, "SMS_SENDER is malformed"),
        ({"SCHEDULER_SMS_SENDER": ""}, "SMS_SENDER is malformed"),
        ({"SCHEDULER_SMS_API_URL": "ftp://example.org"}, "SMS_API_URL is malformed"),
        ({"SCHEDULER_SMS_TIMEOUT": "0"}, "SMS_TIMEOUT is malformed"),
        ({"SCHEDULER_MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND is malformed"),
    ],
)
def test_bad_messaging_settings_stop_start_up_naming_the_key(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ=environ)


def test_console_mail_backend_prints_the_email_and_records_it_sent(app, capsys):
    app.config["MAIL_BACKEND"] = "console"  # the app fixture points at a closed SMTP port
    with app.test_request_context():
        queue_email("anna@example.org", "test_message", "fi", kind="test", name="Anna")
        db.session.commit()
    with app.app_context():
        report = deliver_pending()
        message = db.session.scalar(db.select(OutboxMessage))
        assert (report.sent, report.failed) == (1, 0)
        assert message.sent_at is not None
    printed = capsys.readouterr().out
    assert "Email to anna@example.org (console mail backend, not sent)" in printed
    assert "Subject: Testiviesti" in printed and "Hei Anna" in printed
