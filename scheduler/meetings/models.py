"""Meeting state kept per session, and anonymous join counters.

Only providers that need a create call (BigBlueButton) keep a ``MeetingLink`` row: static
links and Jitsi rooms are derived on the spot and cannot fail. A row remembers whether the
last create worked, so a provider outage loses nothing (the row waits for a retry) and
planners can see it. Nothing here holds personal data: ``last_error`` is a short technical
reason from ``ProviderError`` and the counters have no IP, cookie or person behind them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.courses.models import Course, Session
from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db

LINK_STATES = ("pending", "ok", "failed")


class MeetingLink(db.Model):
    __tablename__ = "meeting_link"
    __table_args__ = (Index("ix_meeting_link_state_due", "state", "next_retry_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    # Null for a meeting shared by the whole course; every provider here uses one per session.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_session.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When `meetings retry` may try again (a claim also pushes it forward as a lease).
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    session: Mapped[Session | None] = relationship()


class JoinCount(db.Model):
    """How many times the join button of an open course's session was followed."""

    __tablename__ = "join_count"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_session.id", ondelete="CASCADE"), primary_key=True
    )
    joins: Mapped[int] = mapped_column(Integer, default=0)


class JoinRegionCount(db.Model):
    """Answers to the optional "which region are you from" question, per session and region."""

    __tablename__ = "join_region_count"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_session.id", ondelete="CASCADE"), primary_key=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, default=0)
