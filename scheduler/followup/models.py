"""Attendance marks and anonymous feedback.

Attendance rows carry the participant's region code so the counts survive when the
application is later anonymised or deleted (the link to it is then set to NULL).

Feedback is anonymous by construction: an invite (who was asked) and an answer (what was
said) are separate tables with no key between them, and neither an answer nor a used
invite stores a time that could pair them up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db

EXPECTATIONS = ("yes", "partly", "no")
AGAIN = ("yes", "no", "dont_know")
RATINGS = (1, 2, 3, 4, 5)
FREE_TEXT_MAX = 2000


class Attendance(db.Model):
    """One participant was present at one session."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "application_id"),
        Index("ix_attendance_course_region", "course_id", "region_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_session.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), nullable=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceSheet(db.Model):
    """Attendance of a session has been taken (so zero present differs from not marked)."""

    __tablename__ = "attendance_sheet"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_session.id", ondelete="CASCADE"), primary_key=True
    )
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedbackInvite(db.Model):
    """A one-time questionnaire link sent to a participant of a closed course.

    Only the token's hash is kept. `used` is a flag, not a time, so it cannot be matched
    against answers.
    """

    __tablename__ = "feedback_invite"
    __table_args__ = (UniqueConstraint("course_id", "application_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), nullable=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    language: Mapped[str] = mapped_column(String(2))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class FeedbackAnswer(db.Model):
    """One anonymous answer: the course, the region, the language and the answers only."""

    __tablename__ = "feedback_answer"
    __table_args__ = (
        Index("ix_feedback_answer_course_region", "course_id", "region_code"),
        CheckConstraint("expectations IN ('yes', 'partly', 'no')", name="expectations"),
        CheckConstraint("topics BETWEEN 1 AND 5", name="topics"),
        CheckConstraint("facilitators BETWEEN 1 AND 5", name="facilitators"),
        CheckConstraint("again IN ('yes', 'no', 'dont_know')", name="again"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    # None when an open group's participant chose not to tell their region.
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), nullable=True)
    language: Mapped[str] = mapped_column(String(2))
    expectations: Mapped[str] = mapped_column(String(8))
    topics: Mapped[int] = mapped_column(SmallInteger)
    facilitators: Mapped[int] = mapped_column(SmallInteger)
    again: Mapped[str] = mapped_column(String(10))
    free_text: Mapped[str] = mapped_column(Text, default="")
    with_support: Mapped[bool] = mapped_column(Boolean, default=False)
