"""What ``…/go`` needs, from one indexed query: built for everyone pressing Join at once.

At the top of the hour thousands of clients follow the Join button within a minute. The
redirect needs the course's kind and meeting settings, the session whose join window is open
and, for providers that keep a meeting row (BigBlueButton), that row's state. One query with
two outer joins finds them all — the open session through the (course_id, ends_at) index, so
the course's series is never loaded. A participant's link costs one more seek, on the token's
index, for the application; the course's part is the same for every joiner of the course.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam

from scheduler.courses.models import Course, Session
from scheduler.database import FastSelect
from scheduler.dbtypes import UTCDateTime
from scheduler.derived import recently_read
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.i18n import LocalizedText
from scheduler.meetings.dialin import bbb_voice_bridge
from scheduler.meetings.models import MeetingLink
from scheduler.meetings.services import KnownLink, MeetingCall, meeting_key
from scheduler.security import hash_token

MAX_TOKEN_LENGTH = 100  # as scheduler.enrolment.tokens.find_by_token


@dataclass(frozen=True)
class OpenSession:
    """The open session, with the names join code reads from a Session."""

    id: int
    course_id: int
    starts_at: datetime
    ends_at: datetime
    host_region: str | None
    cohost_region: str | None


@dataclass(frozen=True)
class ParticipantRow:
    """What the redirect needs of the application behind a personal link."""

    id: int
    status: str
    name: str
    language: str


@dataclass(frozen=True)
class GoTarget:
    course_id: int
    kind: str
    session: OpenSession | None  # None: no session is open for joining now
    call: MeetingCall | None
    link: KnownLink | None


_COLUMNS = (
    Course.id,
    Course.kind,
    Course.meeting_provider,
    Course.meeting_url,
    Course.title_fi,
    Course.title_sv,
    Course.languages_csv,
    Session.id,
    Session.starts_at,
    Session.ends_at,
    Session.host_region,
    Session.cohost_region,
    MeetingLink.state,
    MeetingLink.external_id,
    MeetingLink.last_attempt_at,
)


def _joined(query: Any) -> Any:
    """The open session (window open, not cancelled) and its meeting row, if any."""
    return (
        query.outerjoin(
            Session,
            and_(
                Session.course_id == Course.id,
                Session.ends_at > bindparam("now", type_=UTCDateTime()),
                Session.starts_at <= bindparam("soon", type_=UTCDateTime()),
                Session.status != "cancelled",
            ),
        )
        .outerjoin(MeetingLink, MeetingLink.session_id == Session.id)
        .order_by(Session.starts_at, Session.ends_at)
        .limit(1)
    )


# Built once: per request only the parameters change (and the compiled form is cached).
# Built and compiled once: per request only the parameters change, and the query is one
# round trip outside any transaction (scheduler.database.FastSelect).
_BY_COURSE = FastSelect(_joined(db.select(*_COLUMNS).where(Course.id == bindparam("course_id"))))
# The application behind a personal link: one seek on the token's unique index.
_BY_TOKEN = FastSelect(
    db.select(
        Application.id,
        Application.status,
        Application.name,
        Application.language,
        Application.course_id,
    ).where(Application.token_hash == bindparam("token_hash"))
)


def _target(row: Any) -> GoTarget:
    (course_id, kind, provider, url, title_fi, title_sv, languages) = row[:7]
    (session_id, starts_at, ends_at, host, cohost, state, external_id, attempted) = row[7:15]
    if session_id is None:
        return GoTarget(course_id=course_id, kind=kind, session=None, call=None, link=None)
    session = OpenSession(session_id, course_id, starts_at, ends_at, host, cohost)
    first_language = languages.split(",")[0] if languages else "fi"
    call = MeetingCall(
        session_id=session_id,
        course_id=course_id,
        provider=provider,
        static_url=url,
        key=meeting_key(session),
        title=LocalizedText(title_fi, title_sv).get(first_language),
        starts_at=starts_at,
        ends_at=ends_at,
        voice_bridge=bbb_voice_bridge(course_id, provider, current_app.config),
    )
    link = None if state is None else KnownLink(state, external_id, attempted)
    return GoTarget(course_id=course_id, kind=kind, session=session, call=call, link=link)


def course_target(course_id: int, now: datetime, window: timedelta) -> GoTarget | None:
    """None when there is no such course. A process reuses the answer for a moment while it
    changes nothing (scheduler.derived.recently_read): the whole group presses Join at once."""

    def read() -> GoTarget | None:
        row = _BY_COURSE.one({"course_id": course_id, "now": now, "soon": now + window})
        return None if row is None else _target(row)

    return recently_read(("go", course_id, window), read)


def participant_target(
    token: str, now: datetime, window: timedelta
) -> tuple[ParticipantRow, GoTarget] | None:
    """The application of a personal link and its course's target; None for an unknown link."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    # Read every time, never kept in memory: the row holds the participant's name. The
    # course's target is the one every joiner of the course shares (course_target).
    row = _BY_TOKEN.one({"token_hash": hash_token(token)})
    if row is None:
        return None
    target = course_target(row[4], now, window)
    if target is None:
        return None
    return ParticipantRow(*row[:4]), target
