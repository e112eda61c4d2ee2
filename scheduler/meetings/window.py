"""When may a person join: the join window of a course's sessions at one moment.

Pure: works on anything with ``starts_at``, ``ends_at`` and ``status`` (sessions), so the
edges can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol


class SessionLike(Protocol):
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True)
class JoinSituation:
    """What the join page says now.

    ``open_session``: the scheduled session whose window is open (join possible).
    ``next_session``: the scheduled session to announce when none is open (or the one after
    the open one). ``cancelled``: cancelled sessions not yet over that come before
    ``next_session`` (all remaining ones when there is no next session).
    """

    now: datetime
    window: timedelta
    open_session: Any = None
    next_session: Any = None
    cancelled: list[Any] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.open_session is not None

    @property
    def finished(self) -> bool:
        return self.open_session is None and self.next_session is None

    def opens_at(self, session: SessionLike) -> datetime:
        return session.starts_at - self.window


def window_open(session: SessionLike, now: datetime, window: timedelta) -> bool:
    """From ``window`` before the start until (not including) the end, if not cancelled."""
    return session.status != "cancelled" and session.starts_at - window <= now < session.ends_at


def join_situation(
    sessions: Iterable[SessionLike], now: datetime, window: timedelta
) -> JoinSituation:
    ordered = sorted(
        (s for s in sessions if s.ends_at > now), key=lambda s: (s.starts_at, s.ends_at)
    )
    open_session = next((s for s in ordered if window_open(s, now, window)), None)
    upcoming = [
        s
        for s in ordered
        if s.status != "cancelled" and s is not open_session and s.starts_at > now
    ]
    next_session = upcoming[0] if upcoming else None
    limit = (open_session or next_session).starts_at if (open_session or next_session) else None
    cancelled = [
        s for s in ordered if s.status == "cancelled" and (limit is None or s.starts_at <= limit)
    ]
    return JoinSituation(
        now=now,
        window=window,
        open_session=open_session,
        next_session=next_session,
        cancelled=cancelled,
    )
