"""Meetings of sessions: making sure they exist, retrying after an outage, and joining.

A provider that is slow, down or answers nonsense raises ``ProviderError``; here that becomes
a ``MeetingLink`` row in state ``failed`` with a short technical reason and a time for the
next try, never an error page. The network call is made with no database transaction open
(so a slow provider holds no lock), and each outcome is committed at once: the retry
command and the join page may work on the same rows from several processes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from scheduler import audit
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.meetings import (
    Joiner,
    MeetingRef,
    ProviderError,
    ProviderNotConfigured,
    build_provider,
    configured_providers,
)
from scheduler.meetings.dialin import DialIn, bbb_voice_bridge, dial_in
from scheduler.meetings.models import MeetingLink

log = logging.getLogger(__name__)

# Providers whose meetings are created by an HTTP call and so can be missing.
TRACKED = frozenset({"bigbluebutton"})
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=30)
RETRY_NEAR_START = timedelta(minutes=1)  # at most this long between tries close to a session
GO_THROTTLE = timedelta(seconds=10)  # joiners do not hammer a provider that just failed
PREPARE_AHEAD = timedelta(hours=24)  # `meetings retry` prepares sessions starting this soon
LIST_AHEAD = timedelta(days=14)  # planners see unconfigured providers this far ahead
BATCH = 20
ERROR_LENGTH = 200


def meeting_key(session: Session) -> str:
    return f"session-{session.id}"


def _title(course: Course) -> str:
    return course.title.get(course.languages[0] if course.languages else "fi")


def _config() -> Any:
    return current_app.config


def backoff(attempts: int, starts_at: datetime, now: datetime) -> timedelta:
    """Doubling waits between tries, short when the session is about to start."""
    delay = min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_MAX)
    if starts_at - now <= timedelta(hours=1):
        delay = min(delay, RETRY_NEAR_START)
    return delay


# --- the link row -----------------------------------------------------------------------------


def _get_or_create_link(session_id: int, course_id: int, provider: str) -> MeetingLink:
    """The session's row, made in its own short transaction (two joiners may race)."""
    query = db.select(MeetingLink).where(MeetingLink.session_id == session_id)
    link = db.session.scalar(query)
    if link is not None:
        return link
    try:
        with db.session.begin_nested():
            db.session.add(
                MeetingLink(session_id=session_id, course_id=course_id, provider=provider)
            )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    link = db.session.scalar(query)
    assert link is not None
    return link


@dataclass(frozen=True)
class MeetingCall:
    """Everything the provider call needs, copied out so no transaction stays open."""

    session_id: int
    course_id: int
    provider: str
    static_url: str | None
    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    voice_bridge: str | None


def _call_for(session: Session) -> MeetingCall:
    course = session.course
    return MeetingCall(
        session_id=session.id,
        course_id=course.id,
        provider=course.meeting_provider,
        static_url=course.meeting_url,
        key=meeting_key(session),
        title=_title(course),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        voice_bridge=bbb_voice_bridge(course.id, course.meeting_provider, _config()),
    )


def _create(call: MeetingCall) -> MeetingRef:
    """The provider call itself; ProviderError or ProviderNotConfigured when it fails."""
    provider = build_provider(call.provider, _config(), static_url=call.static_url)
    return provider.ensure_meeting(
        key=call.key,
        title=call.title,
        starts_at=call.starts_at,
        ends_at=call.ends_at,
        voice_bridge=call.voice_bridge,
    )


def _record(
    link: MeetingLink,
    call: MeetingCall,
    outcome: MeetingRef | Exception,
    now: datetime,
    *,
    due_now: bool = False,
) -> None:
    """Store the outcome of one try on the row (the caller commits).

    ``due_now``: a failure at go-time leaves the row due for the next `meetings retry` run at
    once (joiners have their own short pause, GO_THROTTLE); the command itself backs off.
    """
    link.last_attempt_at = now
    if isinstance(outcome, MeetingRef):
        if link.state != "ok" or link.external_id != outcome.external_id:
            audit.record("meeting.created", link, provider=call.provider, attempts=link.attempts)
        link.state = "ok"
        link.provider = call.provider
        link.external_id = outcome.external_id
        link.last_error = ""
        link.next_retry_at = None
        return
    link.attempts = (link.attempts or 0) + 1
    if link.state != "failed":
        audit.record("meeting.failed", link, provider=call.provider, attempts=link.attempts)
    link.state = "failed"
    link.last_error = _reason(outcome)
    link.next_retry_at = now if due_now else now + backoff(link.attempts, call.starts_at, now)
    log.warning(
        "meeting for session %s not created (try %s): %s",
        call.session_id,
        link.attempts,
        link.last_error,
    )


def _reason(error: Exception) -> str:
    if isinstance(error, ProviderNotConfigured):
        return "provider not configured"
    return (str(error) or type(error).__name__)[:ERROR_LENGTH]


# --- at go-time ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownLink:
    """A session's meeting row as the join query read it (scheduler.meetings.go)."""

    state: str
    external_id: str
    last_attempt_at: datetime | None


def ensure_meeting(session: Session, *, now: datetime | None = None) -> MeetingRef | None:
    """The session's meeting, created (again) now; None when the provider fails."""
    return ensure_call(_call_for(session), now=now)


def ensure_call(
    call: MeetingCall, *, now: datetime | None = None, known: KnownLink | None = None
) -> MeetingRef | None:
    """The meeting of ``call``, created (again) now; None when the provider fails.

    BigBlueButton forgets idle meetings, so its create call is repeated at every join (it is
    idempotent). A provider that failed a few seconds ago is not called again at once.
    ``known``: the meeting row as already read; when the create gives what the row holds,
    nothing more is read or written. Commits: the outcome must survive whatever the page
    does next.
    """
    now = now or utcnow()
    if call.provider not in TRACKED:
        try:
            return _create(call)
        except (ProviderError, ProviderNotConfigured) as error:
            log.warning("meeting for session %s unavailable: %s", call.session_id, _reason(error))
            return None
    if known is None:
        link = _get_or_create_link(call.session_id, call.course_id, call.provider)
        known = KnownLink(link.state, link.external_id, link.last_attempt_at)
    if (
        known.state == "failed"
        and known.last_attempt_at is not None
        and now - known.last_attempt_at < GO_THROTTLE
    ):
        return None
    db.session.commit()  # no transaction open while waiting on the provider
    try:
        outcome: MeetingRef | Exception = _create(call)
    except (ProviderError, ProviderNotConfigured) as error:
        outcome = error
    if (
        isinstance(outcome, MeetingRef)
        and known.state == "ok"
        and known.external_id == outcome.external_id
    ):
        return outcome  # nothing changed: no write at the top of the hour
    link = _get_or_create_link(call.session_id, call.course_id, call.provider)
    if (
        isinstance(outcome, MeetingRef)
        and link.state == "ok"
        and link.external_id == outcome.external_id
    ):
        return outcome
    _record(link, call, outcome, now, due_now=True)
    db.session.commit()
    return outcome if isinstance(outcome, MeetingRef) else None


def join_url(
    session: Session, ref: MeetingRef, joiner: Joiner, *, now: datetime | None = None
) -> str | None:
    """Where to send this joiner; None if the provider cannot make the link."""
    return join_url_for(_call_for(session), ref, joiner, now=now)


def join_url_for(
    call: MeetingCall, ref: MeetingRef, joiner: Joiner, *, now: datetime | None = None
) -> str | None:
    """Where to send this joiner; None if the provider cannot make the link (no I/O)."""
    try:
        provider = build_provider(call.provider, _config(), static_url=call.static_url)
        return provider.join_url(ref, joiner, now=now or utcnow())
    except (ProviderError, ProviderNotConfigured, ValueError) as error:
        log.warning("join link for session %s failed: %s", call.session_id, type(error).__name__)
        return None


def moderates(user: Any, session: Session) -> bool:
    """Staff of the hosting or co-hosting region (or an admin) run the meeting."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "role", None) not in ("admin", "planner", "facilitator"):
        return False
    return user.acts_for(session.host_region) or (
        session.cohost_region is not None and user.acts_for(session.cohost_region)
    )


class MeetingCourse(Protocol):
    """What the dial-in needs of a course: a Course, or a page's snapshot of one."""

    id: int
    meeting_provider: str


def dial_in_for(course: MeetingCourse) -> DialIn | None:
    """The course's telephone dial-in (number and PIN) when BBB_DIAL_NUMBER is set."""
    return dial_in(course.id, course.meeting_provider, _config())


def link_problem(provider: str, session_id: int) -> str | None:
    """Why the join page should say "link coming" before anyone presses the button."""
    if provider not in configured_providers(_config()):
        return "not_configured"
    if provider not in TRACKED:
        return None
    state = db.session.scalar(
        db.select(MeetingLink.state).where(MeetingLink.session_id == session_id)
    )
    return "failed" if state == "failed" else None


# --- the retry command --------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryReport:
    prepared: int
    created: int
    failed: int
    waiting: int


def prepare_links(now: datetime) -> int:
    """Add pending rows for sessions starting soon that have none (several hosts may race)."""
    rows = db.session.execute(
        db.select(Session.id, Session.course_id, Course.meeting_provider)
        .join(Course, Course.id == Session.course_id)
        .outerjoin(MeetingLink, MeetingLink.session_id == Session.id)
        .where(
            MeetingLink.id.is_(None),
            Course.meeting_provider.in_(TRACKED),
            Session.status == "scheduled",
            Session.ends_at > now,
            Session.starts_at <= now + PREPARE_AHEAD,
        )
    ).all()
    made = 0
    for session_id, course_id, provider in rows:
        try:
            with db.session.begin_nested():
                db.session.add(
                    MeetingLink(session_id=session_id, course_id=course_id, provider=provider)
                )
            made += 1
        except IntegrityError:
            pass  # another host made it
    db.session.commit()
    return made


def _due_query(now: datetime, ignore_backoff: bool) -> Any:
    query = (
        db.select(MeetingLink)
        .join(Session, Session.id == MeetingLink.session_id)
        .where(
            MeetingLink.state.in_(("pending", "failed")),
            Session.status == "scheduled",
            Session.ends_at > now,
        )
    )
    if not ignore_backoff:
        query = query.where(
            (MeetingLink.next_retry_at.is_(None)) | (MeetingLink.next_retry_at <= now)
        )
    return query


def claim_due(
    now: datetime,
    *,
    ignore_backoff: bool = False,
    exclude: set[int] | frozenset[int] = frozenset(),
    limit: int = BATCH,
) -> list[int]:
    """Claim due rows for this process: lock with SKIP LOCKED, push next_retry_at as a lease.

    The lease (longer than one provider call) keeps other hosts off the rows after the commit;
    if this process dies the rows become due again when it runs out.
    """
    query = _due_query(now, ignore_backoff)
    if exclude:
        query = query.where(MeetingLink.id.not_in(list(exclude)))
    query = query.order_by(MeetingLink.next_retry_at.is_not(None), MeetingLink.next_retry_at).limit(
        limit
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=MeetingLink)
    links = list(db.session.scalars(query))
    lease = now + timedelta(seconds=4 * float(_config().get("MEETING_HTTP_TIMEOUT") or 5) + 30)
    for link in links:
        link.next_retry_at = lease
    ids = [link.id for link in links]
    db.session.commit()
    return ids


def retry_meetings(*, now: datetime | None = None, ignore_backoff: bool = False) -> RetryReport:
    """Create the meetings that are missing: what `flask meetings retry` runs."""
    now = now or utcnow()
    prepared = prepare_links(now)
    created = failed = 0
    seen: set[int] = set()
    while True:
        ids = claim_due(now, ignore_backoff=ignore_backoff, exclude=seen)
        if not ids:
            break
        for link_id in ids:
            seen.add(link_id)
            link = db.session.get(MeetingLink, link_id)
            if link is None or link.session is None:
                continue
            call = _call_for(link.session)
            db.session.commit()
            try:
                outcome: MeetingRef | Exception = _create(call)
            except (ProviderError, ProviderNotConfigured) as error:
                outcome = error
            link = db.session.get(MeetingLink, link_id)
            if link is None:
                continue
            _record(link, call, outcome, utcnow())
            db.session.commit()
            if isinstance(outcome, MeetingRef):
                created += 1
            else:
                failed += 1
    waiting = db.session.scalar(
        db.select(db.func.count()).select_from(_due_query(now, True).subquery())
    )
    return RetryReport(prepared=prepared, created=created, failed=failed, waiting=waiting or 0)


# --- what planners see --------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingLink:
    session: Session
    course: Course
    reason: str  # "failed" | "not_configured"
    link: MeetingLink | None


def missing_links(
    *, region: str | None = None, course_id: int | None = None, now: datetime | None = None
) -> list[MissingLink]:
    """Coming sessions without a working meeting link, soonest first.

    A failed create (whenever the session is), and every session in the next two weeks of a
    course whose provider is no longer configured on this service.
    """
    now = now or utcnow()
    configured = configured_providers(_config())
    query = (
        db.select(Session, MeetingLink)
        .join(Course, Course.id == Session.course_id)
        .outerjoin(MeetingLink, MeetingLink.session_id == Session.id)
        .options(joinedload(Session.course))
        .where(
            Session.status == "scheduled",
            Session.ends_at > now,
            (MeetingLink.state == "failed")
            | (
                Course.meeting_provider.not_in(sorted(configured))
                & (Session.starts_at <= now + LIST_AHEAD)
            ),
        )
        .order_by(Session.starts_at, Session.id)
    )
    if course_id is not None:
        query = query.where(Session.course_id == course_id)
    if region is not None:
        query = query.where(
            Session.course_id.in_(
                db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
            )
        )
    found = []
    for session, link in db.session.execute(query):
        reason = "not_configured" if session.course.meeting_provider not in configured else "failed"
        found.append(MissingLink(session=session, course=session.course, reason=reason, link=link))
    return found


def count_missing(course_id: int, now: datetime | None = None) -> int:
    return len(missing_links(course_id=course_id, now=now))
