"""What a join page shows of its course: read once per process until the network changes.

Clients open the join page at the top of the hour, many at once, and reload it while they
wait. The page needs the course's title, kind, status and regions and the sessions that are
not over yet, never the series' past or its participants. That snapshot is the same for every
visitor, holds no personal data, and is kept per process like the public pages
(scheduler.derived): rebuilt when the network's version changes, and at most a minute old.
Which session is open is worked out from it at every request, so the snapshot does not
expire with time. The meeting row's state and the participant behind a personal link are
read fresh by the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam

from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.database import FastSelect
from scheduler.dbtypes import UTCDateTime
from scheduler.derived import derived
from scheduler.extensions import db
from scheduler.i18n import LocalizedText


@dataclass(frozen=True)
class JoinSession:
    """A session as the join page shows it (the names of a Session that the page reads)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    cancel_reason: LocalizedText


@dataclass(frozen=True)
class JoinCourse:
    """A course as the join page shows it (the names of a Course that the page reads)."""

    id: int
    kind: str
    status: str
    meeting_provider: str
    title: LocalizedText
    cancel_reason: LocalizedText
    region_codes: tuple[str, ...]
    sessions: tuple[JoinSession, ...]  # those not over when read, in order


_COURSE = FastSelect(
    db.select(
        Course.kind,
        Course.status,
        Course.meeting_provider,
        Course.title_fi,
        Course.title_sv,
        Course.cancel_reason_fi,
        Course.cancel_reason_sv,
    ).where(Course.id == bindparam("course_id"))
)
_REGIONS = (
    db.select(CourseRegion.region_code)
    .where(CourseRegion.course_id == bindparam("course_id"))
    .order_by(CourseRegion.position)
)
# Through the (course_id, ends_at) index: the sessions not over yet, never the past.
_SESSIONS = (
    db.select(
        Session.id,
        Session.starts_at,
        Session.ends_at,
        Session.status,
        Session.cancel_reason_fi,
        Session.cancel_reason_sv,
    )
    .where(
        Session.course_id == bindparam("course_id"),
        Session.ends_at > bindparam("now", type_=UTCDateTime()),
    )
    .order_by(Session.starts_at, Session.ends_at)
)


def _read(course_id: int, now: datetime) -> JoinCourse | None:
    row = _COURSE.one({"course_id": course_id})
    if row is None:
        return None
    kind, status, provider, title_fi, title_sv, reason_fi, reason_sv = row
    regions = db.session.scalars(_REGIONS, {"course_id": course_id})
    sessions = db.session.execute(_SESSIONS, {"course_id": course_id, "now": now})
    return JoinCourse(
        id=course_id,
        kind=kind,
        status=status,
        meeting_provider=provider,
        title=LocalizedText(title_fi, title_sv),
        cancel_reason=LocalizedText(reason_fi or "", reason_sv or ""),
        region_codes=tuple(regions),
        sessions=tuple(
            JoinSession(id, starts, ends, state, LocalizedText(fi or "", sv or ""))
            for id, starts, ends, state, fi, sv in sessions
        ),
    )


def join_course(course_id: int, now: datetime, *, recent: bool = True) -> JoinCourse | None:
    """The course's join-page snapshot, or None when there is no such course.

    ``recent``: the network's version may be a second old (anonymous visitors); staff pass
    False and always see their own region's latest change.
    """
    return derived(("join-course", course_id), lambda: _read(course_id, now), recent=recent)
