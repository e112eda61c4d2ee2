"""The join window as a pure function: edges, cancelled sessions, the end of a course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scheduler.meetings.window import join_situation, window_open

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


@dataclass
class S:
    starts_at: datetime
    ends_at: datetime
    status: str = "scheduled"


def at(minutes: int, length: int = 60, status: str = "scheduled") -> S:
    start = NOW + timedelta(minutes=minutes)
    return S(start, start + timedelta(minutes=length), status)


def test_window_edges() -> None:
    assert window_open(at(15), NOW, WINDOW)  # exactly 15 minutes before: open
    assert not window_open(at(16), NOW, WINDOW)
    assert window_open(at(-59), NOW, WINDOW)  # one minute before the end
    assert not window_open(at(-60), NOW, WINDOW)  # the end itself: closed
    assert not window_open(at(5, status="cancelled"), NOW, WINDOW)
    assert window_open(at(0), NOW, timedelta(0))
    assert not window_open(at(1), NOW, timedelta(0))


def test_situation_open_next_and_cancelled() -> None:
    past, cancelled, current, later = (
        at(-24 * 60),
        at(-10, status="cancelled"),
        at(10),
        at(7 * 1440),
    )
    situation = join_situation([later, current, cancelled, past], NOW, WINDOW)
    assert situation.is_open and situation.open_session is current
    assert situation.next_session is later
    assert situation.cancelled == [cancelled]


def test_situation_between_sessions_mentions_cancelled_before_next() -> None:
    cancelled, after, far_cancelled = (
        at(60, status="cancelled"),
        at(7 * 1440),
        at(14 * 1440, status="cancelled"),
    )
    situation = join_situation([cancelled, after, far_cancelled], NOW, WINDOW)
    assert not situation.is_open
    assert situation.next_session is after
    assert situation.cancelled == [cancelled]


def test_situation_after_the_last_session() -> None:
    situation = join_situation([at(-200), at(-100)], NOW, WINDOW)
    assert situation.finished
    only_cancelled = join_situation([at(100, status="cancelled")], NOW, WINDOW)
    assert only_cancelled.finished and len(only_cancelled.cancelled) == 1
