"""The newest outbox messages for the administrators' outbox page, without working links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler import audit
from scheduler.extensions import db
from scheduler.notify.hygiene import redact_tokens
from scheduler.notify.models import OutboxMessage

CHANNELS = ("email", "sms")
LIMIT = 50


@dataclass(frozen=True)
class ShownMessage:
    id: int
    channel: str
    kind: str
    to: str
    subject: str
    body: str  # tokens removed
    created_at: datetime
    state: str  # "sent" | "failed" | "waiting"
    attempts: int
    last_error: str


def recent_messages(actor: Any, channel: str | None = None) -> list[ShownMessage]:
    """The LIMIT newest messages (of one channel), newest first; the view is audit-logged."""
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(LIMIT)
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    rows = list(db.session.scalars(query))
    if rows:
        audit.record("outbox.view", rows[0], actor=actor, count=len(rows))
    return [_shown(row) for row in rows]


def _shown(message: OutboxMessage) -> ShownMessage:
    if message.sent_at is not None:
        state = "sent"
    elif message.failed_at is not None:
        state = "failed"
    else:
        state = "waiting"
    return ShownMessage(
        id=message.id,
        channel=message.channel,
        kind=message.kind,
        to=message.phone if message.channel == "sms" else message.recipient,
        subject=message.subject,
        body=redact_tokens(message.body),
        created_at=message.created_at,
        state=state,
        attempts=message.attempts,
        last_error=message.last_error,
    )
