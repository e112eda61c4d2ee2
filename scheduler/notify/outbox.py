"""Queue emails and text messages with the change that causes them; deliver them later.

Delivery claims due messages per channel (scheduler.notify.claims), so `outbox send` can
run on several hosts at once on PostgreSQL and in several processes on SQLite without
sending anything twice. Each message is then sent and recorded in its own transaction: a
message that cannot be sent is marked failed with its reason and never holds up or
repeats the others. A delivered body keeps no working personal link
(scheduler.notify.hygiene). Email goes over SMTP, or with MAIL_BACKEND = "console" to the
terminal; text messages go through the SMS provider (scheduler.notify.sms_delivery).
"""

from __future__ import annotations

import logging
import smtplib
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, g, render_template
from flask_babel import force_locale

from scheduler.extensions import db
from scheduler.notify import sms
from scheduler.notify.claims import (
    CLAIM_FOR,
    backoff,
    claim_due,
    give_up,
    mark_sent,
    postpone,
    still_ours,
)
from scheduler.notify.hygiene import header_value
from scheduler.notify.models import OutboxMessage
from scheduler.notify.sms_delivery import deliver_sms

log = logging.getLogger(__name__)
BATCH = 50
EMAIL = "email"
SMS = "sms"
__all__ = ["CLAIM_FOR", "backoff", "deliver_pending", "queue_email", "queue_sms", "render_email"]


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def queue_email(
    recipient: str,
    template: str,
    language: str,
    *,
    kind: str,
    dedupe_key: str | None = None,
    application_id: int | None = None,
    urgent: bool = False,
    **context: Any,
) -> OutboxMessage:
    """Render templates/email/<template>.txt in `language` and add it to the session.

    The template's first line is the subject. Nothing is committed here: the caller's
    transaction commits the message together with the change that caused it. Personal
    emails name their `application_id`, which the applicant's export and the purge use.
    An `urgent` message is marked important, goes before other mail and is sent right after
    the request even when OUTBOX_SEND_ON_COMMIT is off.
    """
    subject, body = render_email(template, language, **context)
    message = OutboxMessage(
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        kind=kind,
        dedupe_key=dedupe_key,
        application_id=application_id,
        urgent=urgent,
    )
    db.session.add(message)
    g.outbox_queued = True
    if urgent:
        g.outbox_urgent = True
    return message


def render_email(template: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of templates/email/<template>.txt in `language` (first line = subject).

    The subject is made one clean header line here already (and again when sending).
    """
    with force_locale(language):
        text = render_template(f"email/{template}.txt", language=language, **context)
    subject, _, body = text.strip().partition("\n")
    return header_value(subject), body.strip() + "\n"


def queue_sms(
    phone: str,
    template: str,
    language: str,
    *,
    kind: str,
    dedupe_key: str | None = None,
    application_id: int | None = None,
    urgent: bool = False,
    shrinkable: Mapping[str, str] | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render templates/sms/<template>.txt in `language` and add it to the session.

    The text is at most sms.MAX_SEGMENTS segments: the `shrinkable` values (a course
    title, a reason; the first is shortened first) are cut just enough. The number is
    stored encrypted. Nothing is committed here, as with queue_email.
    """
    message = OutboxMessage(**sms_values(phone, template, language, shrinkable, **context))
    message.kind = kind
    message.dedupe_key = dedupe_key
    message.application_id = application_id
    message.urgent = urgent
    db.session.add(message)
    g.outbox_queued = True
    if urgent:
        g.outbox_urgent = True
    return message


def sms_values(
    phone: str,
    template: str,
    language: str,
    shrinkable: Mapping[str, str] | None = None,
    **context: Any,
) -> dict[str, Any]:
    """The outbox columns of one text message (for queue_sms and dedupe-key inserts)."""
    return {
        "channel": SMS,
        "recipient": "",
        "phone": phone,
        "language": language,
        "subject": "",
        "body": render_sms(template, language, shrinkable or {}, **context),
    }


def render_sms(template: str, language: str, shrinkable: Mapping[str, str], **context: Any) -> str:
    """templates/sms/<template>.txt in `language`, tidied and fitted into the segments."""

    def render(values: Mapping[str, str]) -> str:
        with force_locale(language):
            variables = {**context, **values, "language": language}
            text = render_template(f"sms/{template}.txt", **variables)
        return sms.tidy(text)

    return sms.fit(render, shrinkable)


def _to_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = header_value(sender)
    email["To"] = header_value(message.recipient)
    email["Subject"] = header_value(message.subject)
    email["Message-ID"] = make_msgid(domain="etapaiva")
    if message.urgent:
        email["Importance"] = "high"
        email["X-Priority"] = "1"
    email.set_content(message.body)
    # After set_content, which drops Content-* headers.
    email["Content-Language"] = header_value(message.language)
    return email


class ConsoleMailer:
    """MAIL_BACKEND = "console": each email is written to standard output instead of being
    sent, links and all, so a developer (or the demo's newcomer) reads it in the terminal
    that runs the service. Configuration refuses it in production."""

    def send_message(self, email: EmailMessage) -> None:
        body = email.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        sys.stdout.write(
            f"\n----- Email to {email['To']} (console mail backend, not sent) -----\n"
            f"Subject: {email['Subject']}\n\n{text.rstrip()}\n----- end of email -----\n"
        )
        sys.stdout.flush()

    def quit(self) -> None:
        """Nothing to close."""


class _Connection:
    """One SMTP connection, opened when first needed and opened again after an error."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | ConsoleMailer | None = None

    def get(self) -> smtplib.SMTP | ConsoleMailer:
        if self.smtp is None and self.config["MAIL_BACKEND"] == "console":
            self.smtp = ConsoleMailer()
        if self.smtp is None:
            config = self.config
            smtp = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
            try:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            except BaseException:
                smtp.close()
                raise
            self.smtp = smtp
        return self.smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


class _CannotConnect(Exception):
    pass


def deliver_pending(limit: int = BATCH) -> DeliveryReport:
    """Send due emails, then due text messages; each is sent and recorded on its own."""
    email_sent, email_failed = _deliver_email(limit)
    sms_sent, sms_failed = deliver_sms(limit)
    return _report(email_sent + sms_sent, email_failed + sms_failed)


def _deliver_email(limit: int) -> tuple[int, int]:
    """Send due email over SMTP (or to the console), each sent and committed on its own.

    A message that can never be sent (a header or address the email package or the server
    refuses) is marked failed with its reason at once; a passing problem (the server is
    down, a 4xx answer) is retried later with back-off. Either way the other messages go
    on, and a delivered message is committed as sent before the next one is tried.
    """
    config = current_app.config
    sent = failed = 0
    connection = _Connection(config)
    try:
        while True:
            claim, batch = claim_due(EMAIL, limit)
            if not batch:
                break
            for index, message in enumerate(batch):
                try:
                    outcome = _deliver_one(connection, message, claim, config)
                except _CannotConnect as error:
                    postpone(batch[index:], f"connect: {error}")
                    db.session.commit()
                    failed += len(batch) - index
                    return sent, failed
                db.session.commit()
                sent += outcome == "sent"
                failed += outcome == "failed"
            if len(batch) < limit:
                break
    finally:
        connection.close()
    return sent, failed


def _report(sent: int, failed: int) -> DeliveryReport:
    if sent or failed:
        log.info("outbox: %d sent, %d failed", sent, failed)
    return DeliveryReport(sent=sent, failed=failed)


def _deliver_one(connection: _Connection, message: OutboxMessage, claim: str, config: Any) -> str:
    """Send one message; returns "sent", "failed" or "skipped" (another sender has it)."""
    if not still_ours(message, claim):
        return "skipped"
    try:
        email = _to_email(message, config["MAIL_DEFAULT_SENDER"])
        email.as_bytes()  # any header the email package cannot write fails here, not later
    except Exception as error:  # a bad message must never stop the others
        give_up(message, f"build: {type(error).__name__}")
        return "failed"
    try:
        smtp = connection.get()
    except (smtplib.SMTPException, OSError) as error:
        raise _CannotConnect(type(error).__name__) from None
    try:
        smtp.send_message(email)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
        if not _refused(message, error):
            connection.close()  # a passing problem: start afresh for the next message
        return "failed"
    except smtplib.SMTPNotSupportedError as error:  # e.g. a non-ASCII address, no SMTPUTF8
        give_up(message, f"send: {type(error).__name__}")
        return "failed"
    except Exception as error:  # disconnected, timeout, an encoding the server refuses …
        connection.close()
        postpone([message], f"send: {type(error).__name__}")
        return "failed"
    mark_sent(message)
    return "sent"


def _refused(message: OutboxMessage, error: Exception) -> bool:
    """The server answered: 5xx is final (give up: True), 4xx is passing (retry later)."""
    code = getattr(error, "smtp_code", 0)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in error.recipients.values()]
        code = min(codes) if codes else 0
    reason = f"refused: {type(error).__name__} {code}"
    if 500 <= code < 600:
        give_up(message, reason)
        return True
    postpone([message], reason)
    return False


def send_soon_after_request(response: Any) -> Any:
    """After a request that queued mail and committed, deliver it in a background thread
    (urgent mail always, other mail when OUTBOX_SEND_ON_COMMIT is on)."""
    queued, urgent = g.pop("outbox_queued", False), g.pop("outbox_urgent", False)
    if queued and (urgent or current_app.config["OUTBOX_SEND_ON_COMMIT"]):
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def run() -> None:
            with app.app_context():
                try:
                    deliver_pending()
                except Exception:  # the command or the next request retries
                    log.exception("outbox: background delivery failed")

        threading.Thread(target=run, name="outbox", daemon=True).start()
    return response
