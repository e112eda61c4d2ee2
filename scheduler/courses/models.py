"""Courses, their participating regions and their sessions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db
from scheduler.i18n import BilingualTexts, LocalizedText

KINDS = ("open", "closed")
SESSION_STATUSES = ("scheduled", "cancelled")
COURSE_STATUSES = ("active", "cancelled")


class Course(BilingualTexts, db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    title_fi: Mapped[str] = mapped_column(String(200), default="")
    title_sv: Mapped[str] = mapped_column(String(200), default="")
    description_fi: Mapped[str] = mapped_column(Text, default="")
    description_sv: Mapped[str] = mapped_column(Text, default="")
    languages_csv: Mapped[str] = mapped_column(String(10))
    cohost: Mapped[bool] = mapped_column(Boolean, default=False)
    first_session: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    session_count: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    application_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    meeting_provider: Mapped[str] = mapped_column(String(20), default="static")
    meeting_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # "active" or "cancelled"; a cancelled course takes no applications (courses.lifecycle).
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    cancel_reason_fi: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancel_reason_sv: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    participations: Mapped[list[CourseRegion]] = relationship(
        back_populates="course",
        order_by="CourseRegion.position",
        cascade="all, delete-orphan",
    )
    sessions: Mapped[list[Session]] = relationship(
        back_populates="course", order_by="Session.starts_at", cascade="all, delete-orphan"
    )

    @property
    def languages(self) -> list[str]:
        return self.languages_csv.split(",")

    @property
    def region_codes(self) -> list[str]:
        return [p.region_code for p in self.participations]

    @property
    def weights(self) -> dict[str, float]:
        return {p.region_code: p.weight for p in self.participations}

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def cancel_reason(self) -> LocalizedText:
        return LocalizedText(self.cancel_reason_fi or "", self.cancel_reason_sv or "")


class CourseRegion(db.Model):
    __tablename__ = "course_region"
    __table_args__ = (UniqueConstraint("course_id", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    seat_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When the region joined a course that had already started; None: from the start. Its fair
    # share (scheduler.rotation.shares) counts only the sessions from then on.
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    course: Mapped[Course] = relationship(back_populates="participations")


class Session(db.Model):
    __tablename__ = "course_session"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        Index("ix_course_session_host_start", "host_region", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host_region: Mapped[str | None] = mapped_column(ForeignKey("region.code"), nullable=True)
    cohost_region: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    host_set_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised on every change so calendar clients replace their copy (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why it was cancelled, told to participants and shown on the join page.
    cancel_reason_fi: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancel_reason_sv: Mapped[str] = mapped_column(Text, default="", server_default="")

    course: Mapped[Course] = relationship(back_populates="sessions")

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def cancel_reason(self) -> LocalizedText:
        return LocalizedText(self.cancel_reason_fi or "", self.cancel_reason_sv or "")

    def touch(self) -> None:
        """Mark a change that subscribers must see."""
        self.sequence = (self.sequence or 0) + 1
        self.updated_at = utcnow()


# Indexes for reading at national scale (see scheduler/derived.py and the catalogue):
# the newest change of any course or session (one index seek), the open or next session of
# one course, every course's coming sessions from the index alone, and a region's co-hosting
# duties in a date window.
Index("ix_course_updated_at", Course.__table__.c.updated_at)
_sessions = Session.__table__
Index("ix_course_session_updated_at", _sessions.c.updated_at)
Index("ix_course_session_course_end", _sessions.c.course_id, _sessions.c.ends_at)
Index(
    "ix_course_session_upcoming",
    _sessions.c.ends_at,
    _sessions.c.status,
    _sessions.c.course_id,
    _sessions.c.starts_at,
)
Index("ix_course_session_cohost_start", _sessions.c.cohost_region, _sessions.c.starts_at)
