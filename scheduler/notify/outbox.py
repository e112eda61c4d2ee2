"""Queue emails with the change that causes them; deliver them later with retries.

Delivery first claims due messages (an UPDATE that only takes unclaimed or expired rows,
committed before sending), so `outbox send` can run on several hosts at once on PostgreSQL
and in several processes on SQLite without sending anything twice. Each message is then
sent and recorded in its own transaction: a message that cannot be sent is marked failed
with its reason and never holds up or repeats the others. A delivered body keeps no
working personal link (scheduler.notify.hygiene).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import or_

from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.notify.hygiene import header_value, redact_tokens
from scheduler.notify.models import OutboxMessage

log = logging.getLogger(__name__)
BATCH = 50


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
    **context: Any,
) -> OutboxMessage:
    """Render templates/email/<template>.txt in `language` and add it to the session.

    The template's first line is the subject. Nothing is committed here: the caller's
    transaction commits the message together with the change that caused it. Personal
    emails name their `application_id`, which the applicant's export and the purge use.
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
    )
    db.session.add(message)
    g.outbox_queued = True
    return message


def render_email(template: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of templates/email/<template>.txt in `language` (first line = subject).

    The subject is made one clean header line here already (and again when sending).
    """
    with force_locale(language):
        text = render_template(f"email/{template}.txt", language=language, **context)
    subject, _, body = text.strip().partition("\n")
    return header_value(subject), body.strip() + "\n"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


CLAIM_FOR = timedelta(minutes=5)


def _claim_due(limit: int) -> tuple[str, list[OutboxMessage]]:
    """Mark up to `limit` due messages as ours and commit, then load them."""
    now = utcnow()
    claim = secrets.token_hex(8)
    due = (
        db.select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return claim, []
    # The WHERE is checked again under the row lock, so a parallel sender's rows are skipped.
    db.session.execute(
        db.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_by=claim, claimed_until=now + CLAIM_FOR)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claim, list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.claimed_by == claim)
            .order_by(OutboxMessage.id)
        )
    )


def _to_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = header_value(sender)
    email["To"] = header_value(message.recipient)
    email["Subject"] = header_value(message.subject)
    email["Message-ID"] = make_msgid(domain="etapaiva")
    email.set_content(message.body)
    # After set_content, which drops Content-* headers.
    email["Content-Language"] = header_value(message.language)
    return email


class _Connection:
    """One SMTP connection, opened when first needed and opened again after an error."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def get(self) -> smtplib.SMTP:
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
    """Send due messages over SMTP, each sent and recorded (committed) on its own.

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
            claim, batch = _claim_due(limit)
            if not batch:
                break
            for index, message in enumerate(batch):
                try:
                    outcome = _deliver_one(connection, message, claim, config)
                except _CannotConnect as error:
                    _postpone(batch[index:], f"connect: {error}")
                    db.session.commit()
                    failed += len(batch) - index
                    return _report(sent, failed)
                db.session.commit()
                sent += outcome == "sent"
                failed += outcome == "failed"
            if len(batch) < limit:
                break
    finally:
        connection.close()
    return _report(sent, failed)


def _report(sent: int, failed: int) -> DeliveryReport:
    if sent or failed:
        log.info("outbox: %d sent, %d failed", sent, failed)
    return DeliveryReport(sent=sent, failed=failed)


def _deliver_one(connection: _Connection, message: OutboxMessage, claim: str, config: Any) -> str:
    """Send one message; returns "sent", "failed" or "skipped" (another sender has it)."""
    if not _still_ours(message, claim):
        return "skipped"
    try:
        email = _to_email(message, config["MAIL_DEFAULT_SENDER"])
        email.as_bytes()  # any header the email package cannot write fails here, not later
    except Exception as error:  # a bad message must never stop the others
        _give_up(message, f"build: {type(error).__name__}")
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
        _give_up(message, f"send: {type(error).__name__}")
        return "failed"
    except Exception as error:  # disconnected, timeout, an encoding the server refuses …
        connection.close()
        _postpone([message], f"send: {type(error).__name__}")
        return "failed"
    message.sent_at = utcnow()
    message.attempts += 1
    message.claimed_until = None
    message.body = redact_tokens(message.body)
    return "sent"


def _still_ours(message: OutboxMessage, claim: str) -> bool:
    """Renew our claim just before sending; False when it expired and another sender took it.

    Committed at once, so a slow batch can never outlive its claim and be sent twice.
    """
    result = db.session.execute(
        db.update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.claimed_by == claim,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        )
        .values(claimed_until=utcnow() + CLAIM_FOR)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)


def _refused(message: OutboxMessage, error: Exception) -> bool:
    """The server answered: 5xx is final (give up: True), 4xx is passing (retry later)."""
    code = getattr(error, "smtp_code", 0)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in error.recipients.values()]
        code = min(codes) if codes else 0
    reason = f"refused: {type(error).__name__} {code}"
    if 500 <= code < 600:
        _give_up(message, reason)
        return True
    _postpone([message], reason)
    return False


def _give_up(message: OutboxMessage, reason: str) -> None:
    """Never to be sent: mark failed with the reason and keep no working link."""
    message.attempts += 1
    message.last_error = reason[:300]
    message.claimed_until = None
    message.failed_at = utcnow()
    message.body = redact_tokens(message.body)
    log.warning("outbox: message %s failed for good (%s)", message.id, reason)


def _postpone(messages: list[OutboxMessage], reason: str) -> None:
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for message in messages:
        message.attempts += 1
        message.last_error = reason[:300]
        message.claimed_until = None
        if message.attempts >= max_attempts:
            message.failed_at = utcnow()
            message.body = redact_tokens(message.body)
        else:
            message.next_attempt_at = utcnow() + backoff(message.attempts)


def send_soon_after_request(response: Any) -> Any:
    """After a request that queued mail and committed, deliver it in a background thread."""
    if g.pop("outbox_queued", False) and current_app.config["OUTBOX_SEND_ON_COMMIT"]:
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def run() -> None:
            with app.app_context():
                try:
                    deliver_pending()
                except Exception:  # the command or the next request retries
                    log.exception("outbox: background delivery failed")

        threading.Thread(target=run, name="outbox", daemon=True).start()
    return response
