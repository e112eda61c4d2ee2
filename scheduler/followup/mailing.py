"""Queue an email at most once per key, even when several hosts queue it at the same moment.

The outbox's `dedupe_key` is unique. A plain ORM insert of a duplicate would fail the
whole transaction, so the row is written with `INSERT … ON CONFLICT DO NOTHING`
(PostgreSQL) or `INSERT OR IGNORE` (SQLite): a concurrent duplicate is skipped quietly
and the rest of the batch goes on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.exc import IntegrityError

from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import render_email, sms_values

KIND_PREFIX = "followup."
# Sent reminders and invites hold a name and personal links; they are deleted after this.
# Well past the reminder look-ahead, so a deleted row can never let a reminder be queued again
# (feedback invites are guarded by their own table).
KEEP_SENT = timedelta(days=14)


def insert_ignoring_duplicates(model: Any, values: dict[str, Any]) -> bool:
    """Insert one row unless a unique key already holds it; True when the row was added."""
    dialect = db.session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(model).values(**values).on_conflict_do_nothing()
    else:  # other databases: a savepoint keeps the outer transaction usable
        try:
            with db.session.begin_nested():
                db.session.execute(db.insert(model).values(**values))
        except IntegrityError:
            return False
        return True
    # RETURNING the key tells reliably whether the row went in (rowcount is -1 on psycopg
    # once SQLAlchemy adds RETURNING itself); a skipped duplicate returns no row.
    keys = model.__table__.primary_key.columns
    return db.session.execute(statement.returning(*keys)).first() is not None


def queue_email_once(
    recipient: str,
    template: str,
    language: str,
    *,
    kind: str,
    dedupe_key: str,
    application_id: int | None = None,
    **context: Any,
) -> bool:
    """Queue the email unless one with `dedupe_key` exists; True when this call queued it.

    Nothing is committed here: the caller commits with the change that caused the email.
    """
    subject, body = render_email(template, language, **context)
    now = utcnow()
    return insert_ignoring_duplicates(
        OutboxMessage,
        {
            "recipient": recipient,
            "language": language,
            "subject": subject,
            "body": body,
            "kind": kind,
            "dedupe_key": dedupe_key[:120],
            "application_id": application_id,
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "last_error": "",
        },
    )


def queue_sms_once(
    phone: str,
    template: str,
    language: str,
    *,
    kind: str,
    dedupe_key: str,
    application_id: int | None = None,
    shrinkable: dict[str, str] | None = None,
    **context: Any,
) -> bool:
    """queue_email_once for a text message (templates/sms/<template>.txt)."""
    now = utcnow()
    values = sms_values(phone, template, language, shrinkable, **context)
    return insert_ignoring_duplicates(
        OutboxMessage,
        {
            **values,
            "kind": kind,
            "dedupe_key": dedupe_key[:120],
            "application_id": application_id,
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "last_error": "",
            "urgent": False,
        },
    )


def forget_delivered(now: datetime) -> int:
    """Delete this package's delivered or given-up emails older than KEEP_SENT."""
    cutoff = now - KEEP_SENT
    result = db.session.execute(
        db.delete(OutboxMessage).where(
            OutboxMessage.kind.startswith(KIND_PREFIX),
            (
                (OutboxMessage.sent_at.is_not(None)) & (OutboxMessage.sent_at < cutoff)
                | (OutboxMessage.failed_at.is_not(None)) & (OutboxMessage.failed_at < cutoff)
            ),
        )
    )
    return result.rowcount or 0
