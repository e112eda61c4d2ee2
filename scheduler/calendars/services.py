"""Calendar feeds from the stored sessions: which sessions, their ETag, and the events.

A feed is described once (``Feed``: which sessions it shows, and how to ask whether it
changed). ``feed_state`` answers "has it changed?" with one small query (state.py), so a
calendar client polling with If-None-Match costs about as much as a trivial page; ``build_feed``
reads the sessions as plain rows in one more query and writes them with
``scheduler.calendars.ical``. Texts are in the subscriber's language, never the page's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import type_coerce
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from scheduler.calendars import state
from scheduler.calendars.ical import CalendarEvent, build_calendar, etag_for
from scheduler.calendars.state import as_utc
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.derived import cache as derived_cache
from scheduler.derived import recently_read
from scheduler.extensions import db
from scheduler.i18n import HELSINKI, LocalizedText
from scheduler.periods import day_bounds
from scheduler.regions.data import region_facts

# Raise when the feed text changes shape, so clients holding an old ETag get the new text.
FEED_VERSION = "4"
FEED_KEEP = timedelta(hours=1)  # a built duties feed is kept this long at most


@dataclass(frozen=True)
class Feed:
    """What one feed shows.

    ``member()``: which sessions are in the feed (SQL, made only when building: a 304 does
    not pay for it). ``query``/``params``: the
    query answering whether it changed (scheduler.calendars.state). ``variant``: anything
    else that decides the text (never a secret).
    """

    kind: str  # course | region | facilitator | participant | session
    language: str
    query: state.StateQuery
    params: dict[str, Any]
    variant: str
    course_id: int | None = None
    duties_region: str | None = None
    participant_token: str | None = None
    window: tuple[datetime, datetime] | None = None  # sessions starting in [from, to)

    def member(self) -> ColumnElement[bool]:
        if self.duties_region is not None:
            region = self.duties_region
            found = (Session.host_region == region) | (Session.cohost_region == region)
        elif self.kind == "session":
            return Session.id == self.params["session"]
        else:
            found = Session.course_id == self.course_id
        if self.window is not None:
            low, high = self.window
            found = found & (Session.starts_at >= low) & (Session.starts_at < high)
        return found


@dataclass
class FeedState:
    exists: bool  # the course (or session) exists, or the region's token matched
    count: int
    etag: str
    changes: tuple[Any, ...] = ()  # timestamps as the driver gave them

    @cached_property
    def last_modified(self) -> datetime | None:
        """Newest change, to the second (parsed only when a response needs it)."""
        moments = [moment for value in self.changes if (moment := state.as_utc(value))]
        return max(moments).replace(microsecond=0) if moments else None


def feed_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """CALENDAR_PAST_DAYS back to CALENDAR_FUTURE_DAYS ahead, whole Helsinki days: a feed's
    size follows the window, never the length of the network's history."""
    today = (now or utcnow()).astimezone(HELSINKI).date()
    config = current_app.config
    return _window(today, config["CALENDAR_PAST_DAYS"], config["CALENDAR_FUTURE_DAYS"])


@lru_cache(maxsize=16)
def _window(today: date, past_days: int, future_days: int) -> tuple[datetime, datetime]:
    """The same for every request of a day: worked out once (a feed's 304 is a hot path)."""
    return day_bounds(today - timedelta(days=past_days), today + timedelta(days=future_days))


def course_feed(course_id: int, language: str) -> Feed:
    return Feed(
        kind="course",
        language=language,
        query=state.COURSE,
        params={"course": course_id},
        variant=f"course:{course_id}",
        course_id=course_id,
        window=feed_window(),
    )


def session_feed(session_id: int, course_id: int, language: str, token: str | None) -> Feed:
    return Feed(
        kind="session",
        language=language,
        query=state.SESSION,
        params={"session": session_id, "course": course_id},
        variant=f"session:{session_id}:{'p' if token else '-'}",
        course_id=course_id,
        participant_token=token,
    )


def participant_feed(application_id: int, course_id: int, language: str, token: str) -> Feed:
    return Feed(
        kind="participant",
        language=language,
        query=state.COURSE,
        params={"course": course_id},
        variant=f"participant:{application_id}",
        course_id=course_id,
        participant_token=token,
        window=feed_window(),
    )


def duties_feed(
    region_code: str,
    language: str,
    *,
    kind: str = "region",
    owner: str = "",
    token_hash: str = "",
) -> Feed:
    """A region's hosting and co-hosting duties across all courses (region or facilitator).

    With ``token_hash`` the state query also checks the region's token (one round trip).
    """
    return Feed(
        kind=kind,
        language=language,
        query=state.REGION,
        params={"region": region_code, "token_hash": token_hash},
        variant=f"{kind}:{region_code}:{owner}",
        duties_region=region_code,
        window=feed_window(),
    )


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def feed_state(feed: Feed) -> FeedState:
    """Whether the feed exists and its ETag, from one small query (no feed is built), which
    a process reuses for a moment while it changes nothing (calendar clients poll in herds).
    The whole answer is reused, ETag included, so a repeated poll only looks it up."""
    day = feed.window[0].date() if feed.window is not None else None
    key = ("feed-state", feed.query.sql, feed.variant, feed.language, day, *feed.params.items())
    return recently_read(key, lambda: _read_state(feed, day))


def _read_state(feed: Feed, day: date | None) -> FeedState:
    row = state.run(feed.query, feed.params)
    values = [FEED_VERSION, feed.variant, feed.language, _base_url()]
    if day is not None:
        values.append(day.isoformat())  # the window moves every day
    values.extend("" if value is None else str(value) for value in row[1:])
    # A facilitator's own token was checked when the user was found.
    exists = True if feed.kind == "facilitator" else bool(row[0])
    count = int(row[feed.query.count] or 0) if feed.query.count is not None else 0
    return FeedState(
        exists=exists,
        count=count,
        etag=etag_for(["\x1f".join(values)]),  # one part: values never hold \x1f
        changes=tuple(row[index] for index in feed.query.changes),
    )


@dataclass(frozen=True)
class _Texts:
    """The feed's texts in its language, looked up once (not once per event)."""

    cancelled: str
    hosting: str
    cohosting: str
    number: str
    hosts: str
    hosts_pair: str
    not_held: str
    join: str
    regions: dict[str, str]


def _texts(language: str, window: int) -> _Texts:
    with force_locale(language):
        return _Texts(
            cancelled=_("Cancelled: %(title)s"),
            hosting=_("Hosting: %(title)s"),
            cohosting=_("Co-hosting: %(title)s"),
            number=_("Session %(number)s of %(count)s"),
            hosts=_("Hosted by %(host)s."),
            hosts_pair=_("Hosted by %(host)s together with %(cohost)s."),
            not_held=_("This session is cancelled. It will not be held."),
            join=_(
                "Join on the join page. The Join button appears there %(minutes)s minutes "
                "before the start.",
                minutes=window,
            ),
            regions={
                fact.code: (fact.name_sv if language == "sv" else fact.name_fi)
                for fact in region_facts()
            },
        )


def feed_name(feed: Feed, title: str | None) -> str:
    texts_region = {
        fact.code: (fact.name_sv if feed.language == "sv" else fact.name_fi)
        for fact in region_facts()
    }
    with force_locale(feed.language):
        if feed.kind == "region":
            return _(
                "Hosting duties: %(region)s", region=texts_region.get(feed.duties_region or "", "")
            )
        if feed.kind == "facilitator":
            return _(
                "My hosting duties: %(region)s",
                region=texts_region.get(feed.duties_region or "", ""),
            )
    return title or _("Etäpäivä")


def _raw(column: Any) -> Any:
    """A timestamp as the driver gives it (parsed by state.as_utc): skips two layers of
    per-value conversion, which is most of the reading time of a 2,000-session feed."""
    return type_coerce(column, NullType())


_COLUMNS = (
    Session.id,
    Session.course_id,
    Session.number,
    _raw(Session.starts_at),
    _raw(Session.ends_at),
    Session.status,
    Session.sequence,
    _raw(Session.updated_at),
    Session.host_region,
    Session.cohost_region,
    Course.title_fi,
    Course.title_sv,
    _raw(Course.updated_at),
    Course.session_count,
)


def feed_events(feed: Feed) -> tuple[list[CalendarEvent], str | None]:
    """The feed's events in time order, and the course title (for one-course feeds)."""
    # Core, not ORM: plain tuples without the ORM's per-row bookkeeping.
    rows = (
        db.session.connection()
        .execute(
            db.select(*_COLUMNS)
            .join(Course, Course.id == Session.course_id)
            .where(feed.member())
            .order_by(Session.starts_at, Session.id)
        )
        .all()
    )
    window = current_app.config["JOIN_WINDOW_MINUTES"]
    texts = _texts(feed.language, window)
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "etapaiva.invalid"
    base = _base_url()
    participant_url = (
        base + url_for("meetings.join_participant", token=feed.participant_token)
        if feed.participant_token
        else None
    )
    join_urls: dict[int, str] = {}
    titles: dict[int, str] = {}
    summaries: dict[tuple[int, bool, bool], str] = {}
    host_lines: dict[tuple[str | None, str | None], str] = {}
    duties = feed.duties_region
    events = []
    for row in rows:
        (sid, course_id, number, starts, ends, status, sequence, updated) = row[:8]
        (host_region, cohost_region, title_fi, title_sv, course_updated, count) = row[8:]
        url = participant_url or join_urls.get(course_id)
        if url is None:
            titles[course_id] = LocalizedText(title_fi, title_sv).get(feed.language)
            url = join_urls[course_id] = base + url_for("meetings.join_open", course_id=course_id)
        elif course_id not in titles:
            titles[course_id] = LocalizedText(title_fi, title_sv).get(feed.language)
        cancelled = status == "cancelled"
        key = (course_id, host_region == duties, cancelled)
        summary = summaries.get(key)
        if summary is None:
            summary = titles[course_id]
            if duties is not None:
                role = texts.hosting if host_region == duties else texts.cohosting
                summary = role % {"title": summary}
            if cancelled:
                summary = texts.cancelled % {"title": summary}
            summaries[key] = summary
        hosts = host_lines.get((host_region, cohost_region))
        if hosts is None:
            hosts = host_lines[(host_region, cohost_region)] = _hosts_line(
                texts, host_region, cohost_region
            )
        number_line = texts.number % {"number": number, "count": max(count, number)}
        tail = texts.not_held if cancelled else texts.join
        changed = updated if updated >= course_updated else course_updated
        events.append(
            CalendarEvent(
                uid=f"session-{sid}@{host}",
                sequence=sequence or 0,
                starts_at=as_utc(starts),
                ends_at=as_utc(ends),
                summary=summary,
                description=f"{number_line}\n{hosts}{tail}",
                url=url,
                cancelled=cancelled,
                last_modified=as_utc(changed),
            )
        )
    only_title = next(iter(titles.values())) if len(titles) == 1 else None
    return events, only_title


def _hosts_line(texts: _Texts, host: str | None, cohost: str | None) -> str:
    """ "Hosted by …" with its line break, or nothing when no host is set yet."""
    if not host:
        return ""
    host_name = texts.regions.get(host, host)
    if cohost:
        cohost_name = texts.regions.get(cohost, cohost)
        return texts.hosts_pair % {"host": host_name, "cohost": cohost_name} + "\n"
    return texts.hosts % {"host": host_name} + "\n"


def course_title(course_id: int, language: str) -> str | None:
    row = db.session.execute(
        db.select(Course.title_fi, Course.title_sv).where(Course.id == course_id)
    ).first()
    return LocalizedText(row[0], row[1]).get(language) if row else None


def build_feed(feed: Feed) -> bytes:
    events, title = feed_events(feed)
    if title is None and feed.course_id is not None:
        title = course_title(feed.course_id, feed.language)
    return build_calendar(events, name=feed_name(feed, title), language=feed.language)


def built_feed(feed: Feed, state_now: FeedState) -> bytes:
    """The feed from the process's derived cache, keyed by its ETag, which names everything
    the text depends on; else built. A participant's feeds carry their token in the join
    links, which the ETag never names, so those are built every time."""
    if feed.participant_token is not None:
        return build_feed(feed)
    now = utcnow()
    store = derived_cache()
    key = ("feed", state_now.etag)
    body = store.get(key, (), now)
    if body is None:
        body = build_feed(feed)
        store.put(key, body, (), now + FEED_KEEP)
    return body


def session_course(session_id: int) -> Any:
    """(session id, course id, course kind) or None."""
    return db.session.execute(
        db.select(Session.id, Session.course_id, Course.kind)
        .join(Course, Course.id == Session.course_id)
        .where(Session.id == session_id)
    ).first()
