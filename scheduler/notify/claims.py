"""Claiming due outbox messages and recording what became of them, for every channel.

A sender first claims due messages (an UPDATE that only takes unclaimed or expired rows,
committed before sending), so several senders on several hosts never send one message
twice. Just before sending it renews its claim on the one message (`still_ours`); after
sending it records the outcome: sent, retried later with back-off, or given up. A message
that is delivered or given up keeps no working personal link (scheduler.notify.hygiene).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_

from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.notify.hygiene import redact_tokens
from scheduler.notify.models import OutboxMessage

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def claim_due(channel: str, limit: int) -> tuple[str, list[OutboxMessage]]:
    """Mark up to `limit` due messages of `channel` as ours and commit, then load them."""
    now = utcnow()
    claim = secrets.token_hex(8)
    due = (
        db.select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
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


def still_ours(message: OutboxMessage, claim: str) -> bool:
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


def mark_sent(message: OutboxMessage) -> None:
    message.sent_at = utcnow()
    message.attempts += 1
    message.claimed_until = None
    message.body = redact_tokens(message.body)


def give_up(message: OutboxMessage, reason: str) -> None:
    """Never to be sent: mark failed with the reason and keep no working link."""
    message.attempts += 1
    message.last_error = reason[:300]
    message.claimed_until = None
    message.failed_at = utcnow()
    message.body = redact_tokens(message.body)
    log.warning("outbox: message %s failed for good (%s)", message.id, reason)


def postpone(messages: list[OutboxMessage], reason: str) -> None:
    """A passing problem: try again after the back-off, or give up after the last attempt."""
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
