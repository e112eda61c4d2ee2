"""`…/go` for everyone at the top of the hour: one indexed query whatever the length of the
series, and join counts buffered in the process instead of a write per click. The join page
before it reads the course's sessions that are not over once per process and network change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from scheduler.database import FastSelect
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.meetings import counting, go
from tests.meetings.helpers import make_participant, only_session_now, place_session

CLOSED = {"kind": "closed", "capacity": 10, "application_deadline": "2026-12-20"}


@pytest.fixture
def app_overrides():
    return {"JOIN_COUNT_FLUSH_SECONDS": 300, "JITSI_BASE_URL": "https://meet.example.org"}


@pytest.fixture
def fast_selects(monkeypatch):
    calls: list[FastSelect] = []
    real = FastSelect.one

    def counting_one(self, params=None):
        calls.append(self)
        return real(self, params)

    monkeypatch.setattr(FastSelect, "one", counting_one)
    return calls


@pytest.mark.parametrize("sessions", [2, 120])
def test_go_is_one_query_whatever_the_series(
    app, client, make_course, count_queries, fast_selects, sessions
):
    course = make_course(sessions=sessions, meeting={"provider": "jitsi"})
    only_session_now(app, course, timedelta(minutes=5))
    with count_queries() as queries:
        answer = client.get(f"/join/{course['id']}/go")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("https://meet.example.org/etapaiva-")
    assert queries == [] and fast_selects == [go._BY_COURSE]


def test_participant_go_reads_its_application_and_shares_the_course_target(
    app, client, make_course, count_queries, fast_selects
):
    """Each click reads the application (one seek on the token's index, never kept in
    memory); the course's target is the one every joiner of the course reuses."""
    app.config["HOT_READ_MAX_AGE_MS"] = 60_000  # only a commit expires the course's target
    course = make_course(**CLOSED)
    only_session_now(app, course, timedelta(minutes=-5))
    first = make_participant(app, course["id"], name="Väinö Osallistuja")
    second = make_participant(app, course["id"], name="Aino Osallistuja")
    with count_queries() as queries:
        answer = client.get(f"/join/p/{first}/go")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "https://meet.example.org/room-1"
    assert queries == [] and fast_selects == [go._BY_TOKEN, go._BY_COURSE]
    fast_selects.clear()
    with count_queries() as queries:
        again = client.get(f"/join/p/{second}/go")
    assert again.status_code == 302
    assert queries == [] and fast_selects == [go._BY_TOKEN]


def test_joins_are_counted_in_memory_and_written_together(app, client, make_course):
    course = make_course()
    first = only_session_now(app, course, timedelta(minutes=5))
    for _ in range(5):
        assert client.get(f"/join/{course['id']}/go").status_code == 302
    with app.app_context():
        stored = db.session.execute(text("SELECT count(*) FROM join_count")).scalar_one()
        assert stored == 0  # no write per click
        assert counting.flush_joins() == 5
        assert counting.flush_joins() == 0  # nothing twice
        assert db.session.execute(text("SELECT joins FROM join_count")).scalar_one() == 5
    client.get(f"/join/{course['id']}/go")
    with app.app_context():
        assert counting.joins_of(first) == 6  # this process's pending joins included


def test_a_session_that_ended_or_was_cancelled_is_not_joined(app, client, make_course):
    course = make_course(sessions=2)
    only_session_now(app, course, timedelta(minutes=-90), minutes=60)  # ended half an hour ago
    assert client.get(f"/join/{course['id']}/go").status_code == 409
    assert client.get("/join/2147483000/go").status_code == 404


@pytest.mark.parametrize("sessions", [2, 120])
def test_join_page_reads_the_course_once_whatever_the_series(
    app, client, make_course, count_queries, sessions
):
    app.config["HOT_READ_MAX_AGE_MS"] = 60_000  # only a commit makes the network's version old
    course = make_course(sessions=sessions, meeting={"provider": "jitsi"})
    only_session_now(app, course, timedelta(minutes=5))
    with count_queries() as first:
        assert client.get(f"/join/{course['id']}").status_code == 200
    with count_queries() as again:
        page = client.get(f"/join/{course['id']}").get_data(as_text=True)
    # The course's regions, and its sessions not over yet through the (course, end) index.
    assert len(first) == 2 and "ends_at >" in first[1]
    assert again == []
    assert 'id="join-button"' in page


def test_join_page_shows_a_cancelled_session_at_once(app, client, make_course):
    app.config["HOT_READ_MAX_AGE_MS"] = 60_000
    course = make_course(sessions=3)
    first = only_session_now(app, course, timedelta(minutes=5))
    assert 'id="join-button"' in client.get(f"/join/{course['id']}?lang=fi").get_data(as_text=True)
    place_session(app, first, utcnow() + timedelta(minutes=5), status="cancelled")
    page = client.get(f"/join/{course['id']}?lang=fi").get_data(as_text=True)
    assert 'id="join-button"' not in page
    assert "Peruttu:" in page
