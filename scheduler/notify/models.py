"""Outbox: emails and text messages written in the same transaction as the change that
causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.dbtypes import EncryptedText, UTCDateTime, utcnow
from scheduler.extensions import db


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "email" (to `recipient`) or "sms" (to `phone`; `recipient` and `subject` stay empty).
    channel: Mapped[str] = mapped_column(String(5), default="email", server_default="email")
    recipient: Mapped[str] = mapped_column(String(254))
    # An SMS recipient's number (E.164), encrypted at rest like every phone number.
    phone: Mapped[str] = mapped_column(EncryptedText, default="", server_default="")
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # What kind of message, for counting and de-duplication; never personal data.
    kind: Mapped[str] = mapped_column(String(60), default="")
    # The application a personal email belongs to: the applicant's export and the privacy
    # purge find its messages by this, never by the recipient address (anyone can type one).
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Optional unique key so a message is queued once even when several hosts try (reminders).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A sender claims due messages for a short while so parallel senders never send twice.
    claimed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    # Sent at once and before other mail, and marked as important (a change close to a session).
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
