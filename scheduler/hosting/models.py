"""Closures (when a region cannot host) and swap requests between two regions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.courses.models import Session
from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db

SWAP_STATUSES = ("pending", "accepted", "declined", "withdrawn")


class Closure(db.Model):
    __tablename__ = "closure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SwapRequest(db.Model):
    __tablename__ = "swap_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"))
    other_session_id: Mapped[int] = mapped_column(
        ForeignKey("course_session.id", ondelete="CASCADE")
    )
    requesting_region: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    other_region: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    session: Mapped[Session] = relationship(foreign_keys=[session_id])
    other_session: Mapped[Session] = relationship(foreign_keys=[other_session_id])
