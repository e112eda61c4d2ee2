"""Feeds cover a window (CALENDAR_PAST_DAYS back, CALENDAR_FUTURE_DAYS ahead) whatever the
length of the history, keep cancelled sessions inside it, answer a conditional request with
one small query, and a region's full feed is built once per change per process."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest

from scheduler.calendars import state
from scheduler.dbtypes import utcnow
from tests.meetings.helpers import place_session, sign_in


@pytest.fixture
def app_overrides():
    return {"CALENDAR_PAST_DAYS": 60, "CALENDAR_FUTURE_DAYS": 400}


def _uids(body: bytes) -> set[str]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]).split("@")[0] for event in calendar.walk("VEVENT")}


def _statuses(body: bytes) -> dict[str, str]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]).split("@")[0]: str(e["STATUS"]) for e in calendar.walk("VEVENT")}


def _spread(app, course) -> list[int]:
    """Sessions 200 and 30 days ago (the latter cancelled), in 10 and in 500 days."""
    ids = [s["id"] for s in course["sessions"]]
    now = utcnow()
    place_session(app, ids[0], now - timedelta(days=200))
    place_session(app, ids[1], now - timedelta(days=30), status="cancelled")
    place_session(app, ids[2], now + timedelta(days=10))
    place_session(app, ids[3], now + timedelta(days=500))
    return ids


def _region_feed_url(app, make_user) -> str:
    planner = make_user("planner", "05")
    page = app.test_client()
    sign_in(page, planner)
    made = page.post("/planner/calendars/region", data={"action": "renew"}).get_data(as_text=True)
    return re.search(r"/calendar/regions/05\.ics\?token=[\w-]+", made).group(0)


def test_course_feed_covers_the_window_with_its_cancellations(app, client, make_course):
    course = make_course(sessions=4)
    ids = _spread(app, course)
    body = client.get(f"/calendar/courses/{course['id']}.ics").data
    assert _statuses(body) == {f"session-{ids[1]}": "CANCELLED", f"session-{ids[2]}": "CONFIRMED"}


def test_region_feed_covers_the_window(app, client, make_user, make_course):
    course = make_course(sessions=4, regions=["05"], languages=["fi"])
    ids = _spread(app, course)
    url = _region_feed_url(app, make_user)
    assert _uids(client.get(url).data) == {f"session-{ids[1]}", f"session-{ids[2]}"}


def test_a_wider_window_is_another_representation(app, client, make_course):
    course = make_course(sessions=4)
    ids = _spread(app, course)
    url = f"/calendar/courses/{course['id']}.ics"
    etag = client.get(url).headers["ETag"]
    app.config["CALENDAR_PAST_DAYS"] = 365
    wider = client.get(url, headers={"If-None-Match": etag})
    assert wider.status_code == 200 and f"session-{ids[0]}" in _uids(wider.data)


def test_region_304_is_one_small_query_however_many_courses(
    app, client, make_user, make_course, count_queries, state_calls
):
    app.config["HOT_READ_MAX_AGE_MS"] = 0  # every request reads the state
    url = _region_feed_url(app, make_user)
    calls = state_calls
    answers = []
    for courses in (1, 4):
        while len(answers) < courses:
            make_course(sessions=8, regions=["05", "03"])
            answers.append(None)
        etag = client.get(url).headers["ETag"]
        calls.clear()
        with count_queries() as queries:
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert queries == [] and calls == [state.REGION]


def test_full_region_feed_is_built_once_per_change(
    app, client, make_user, make_course, count_queries
):
    course = make_course(sessions=6, regions=["05", "03"])
    url = _region_feed_url(app, make_user)
    first = client.get(url)
    with count_queries() as queries:
        again = client.get(url)
    assert queries == [] and again.data == first.data  # from the process's cache
    duty = next(s for s in course["sessions"] if s["host_region"] == "05")
    place_session(app, duty["id"], utcnow() + timedelta(days=3))
    changed = client.get(url)
    assert changed.headers["ETag"] != first.headers["ETag"] and changed.data != first.data
