"""Secret tokens of the private calendar feeds (a region's duties, a facilitator's duties).

Only the SHA-256 of a token is stored: the address is shown once when it is made, and a
database leak reveals no working feed. One token per region and one per user; renewing
replaces it (the old address stops working), revoking deletes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.courses.models import Session
from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db


class CalendarFeedToken(db.Model):
    __tablename__ = "calendar_feed_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Exactly one of region_code (a region's feed) and user_id (a facilitator's feed) is set.
    region_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"), nullable=True, unique=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )


# Indexes that let a feed answer "has anything changed?" from the index alone (covering:
# count, sum of ids and sequences, newest change) instead of visiting every session row.
# They are on the courses package's table but exist only for the feeds, so they live here.
_sessions = Session.__table__
Index(
    "ix_course_session_feed_course",
    _sessions.c.course_id,
    _sessions.c.updated_at,
    _sessions.c.sequence,
)
Index(
    "ix_course_session_feed_host",
    _sessions.c.host_region,
    _sessions.c.updated_at,
    _sessions.c.sequence,
)
Index(
    "ix_course_session_feed_cohost",
    _sessions.c.cohost_region,
    _sessions.c.updated_at,
    _sessions.c.sequence,
)
