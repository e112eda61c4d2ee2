"""Queue emails with the change that causes them; deliver them later with retries.

Delivery first claims due messages (an UPDATE that only takes unclaimed or expired rows,
committed before sending), so `outbox send` can run on several hosts at once on PostgreSQL
and in several processes on SQLite without sending anything twice.
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
    urgent: bool = False,
    **context: Any,
) -> OutboxMessage:
    """Render templates/email/<template>.txt in `language` and add it to the session.

    The template's first line is the subject. Nothing is committed here: the caller's
    transaction commits the message together with the change that caused it. An `urgent`
    message is marked important, goes before other mail and is sent right after the
    request even when OUTBOX_SEND_ON_COMMIT is off.
    """
    with force_locale(language):
        text = render_template(f"email/{template}.txt", language=language, **context)
    subject, _, body = text.strip().partition("\n")
    message = OutboxMessage(
        recipient=recipient,
        language=language,
        subject=subject.strip(),
        body=body.strip() + "\n",
        kind=kind,
        dedupe_key=dedupe_key,
        urgent=urgent,
    )
    db.session.add(message)
    g.outbox_queued = True
    if urgent:
        g.outbox_urgent = True
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


CLAIM_FOR = timedelta(minutes=5)


def _claim_due(limit: int) -> list[OutboxMessage]:
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
        .order_by(OutboxMessage.urgent.desc(), OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return []
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
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.claimed_by == claim)
            .order_by(OutboxMessage.id)
        )
    )


def _to_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="etapaiva")
    if message.urgent:
        email["Importance"] = "high"
        email["X-Priority"] = "1"
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content, which drops Content-*
    return email


def deliver_pending(limit: int = BATCH) -> DeliveryReport:
    """Send due messages over SMTP; failures are retried later with back-off."""
    config = current_app.config
    sent = failed = 0
    while True:
        batch = _claim_due(limit)
        if not batch:
            break
        try:
            smtp = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
        except OSError as error:
            _postpone(batch, f"connect: {type(error).__name__}")
            failed += len(batch)
            db.session.commit()
            break
        with smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            for message in batch:
                try:
                    smtp.send_message(_to_email(message, config["MAIL_DEFAULT_SENDER"]))
                except (smtplib.SMTPException, OSError) as error:
                    _postpone([message], f"send: {type(error).__name__}")
                    failed += 1
                else:
                    message.sent_at = utcnow()
                    message.attempts += 1
                    message.claimed_until = None
                    sent += 1
        db.session.commit()
        if len(batch) < limit:
            break
    if sent or failed:
        log.info("outbox: %d sent, %d failed", sent, failed)
    return DeliveryReport(sent=sent, failed=failed)


def _postpone(messages: list[OutboxMessage], reason: str) -> None:
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for message in messages:
        message.attempts += 1
        message.last_error = reason[:300]
        message.claimed_until = None
        if message.attempts >= max_attempts:
            message.failed_at = utcnow()
        else:
            message.next_attempt_at = utcnow() + backoff(message.attempts)


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
