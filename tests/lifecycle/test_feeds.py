"""Calendar feeds follow the lifecycle: a moved session keeps its UID with a new time and a
higher SEQUENCE; cancelled sessions (one, or a whole course) stay with STATUS:CANCELLED;
the ETag changes so subscribed calendars fetch the new feed."""

from __future__ import annotations

import icalendar

from scheduler.i18n import HELSINKI
from tests.lifecycle.conftest import local_day, start_at


def events(client, course_id):
    response = client.get(f"/calendar/courses/{course_id}.ics?lang=fi")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.get_data())
    found = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    return found, response.headers["ETag"]


def uid_of(found, session_id):
    return next(uid for uid in found if uid.startswith(f"session-{session_id}@"))


def test_move_and_cancel_show_in_the_feed(client, future_course, planners):
    course = future_course(weeks=4, sessions=4)
    moved, cancelled = course["sessions"][1], course["sessions"][2]
    before, etag = events(client, course["id"])
    moved_uid, cancelled_uid = uid_of(before, moved["id"]), uid_of(before, cancelled["id"])
    day = local_day(moved["starts_at"])  # same day, another hour: never a holiday
    response = client.patch(
        f"/api/v1/sessions/{moved['id']}",
        json={"starts_at": start_at(day, 13)},
        headers=planners["03"].headers,
    )
    assert response.status_code == 200, response.get_json()
    client.post(
        f"/api/v1/sessions/{cancelled['id']}/cancel",
        json={"reason": {"fi": "Syy", "sv": "Orsak"}},
        headers=planners["03"].headers,
    )
    after, new_etag = events(client, course["id"])
    assert new_etag != etag
    assert set(after) == set(before)  # same UIDs, nothing dropped
    start = after[moved_uid].decoded("DTSTART").astimezone(HELSINKI)
    assert (start.date(), start.hour) == (day, 13)
    assert int(after[moved_uid]["SEQUENCE"]) > int(before[moved_uid]["SEQUENCE"])
    assert str(after[cancelled_uid]["STATUS"]) == "CANCELLED"
    assert int(after[cancelled_uid]["SEQUENCE"]) > int(before[cancelled_uid]["SEQUENCE"])
    # A conditional request with the old ETag gets the new feed, not 304.
    again = client.get(
        f"/calendar/courses/{course['id']}.ics?lang=fi", headers={"If-None-Match": etag}
    )
    assert again.status_code == 200


def test_cancelled_course_keeps_its_events_cancelled(client, future_course, planners):
    course = future_course(weeks=4, sessions=3)
    client.post(
        f"/api/v1/courses/{course['id']}/cancel",
        json={"reason": {"fi": "Syy", "sv": ""}},
        headers=planners["05"].headers,
    )
    after, _ = events(client, course["id"])
    assert len(after) == 3
    assert {str(e["STATUS"]) for e in after.values()} == {"CANCELLED"}
