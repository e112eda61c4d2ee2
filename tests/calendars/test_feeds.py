"""The calendar feeds over HTTP, each read back by icalendar AND vobject: UIDs, SEQUENCE after a
host change, STATUS:CANCELLED, local times across both clock changes of 2027, 304s, tokens."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from scheduler import derived
from scheduler.calendars import state
from scheduler.courses.models import Session
from scheduler.enrolment.tokens import assign_new_token, find_by_token
from scheduler.extensions import db
from tests.meetings.helpers import CLOSED, make_participant, revoke, set_status, sign_in

HELSINKI = ZoneInfo("Europe/Helsinki")
BASE = "http://localhost"


@pytest.fixture
def app_overrides():
    # Freeze nothing: these courses lie in 2027, far beyond any freeze horizon.
    return {"JOIN_WINDOW_MINUTES": 15}


# --- parsing with two independent parsers -------------------------------------------------------


def both(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """{uid: event} from icalendar and from vobject, checked to agree on every field we use."""
    first = icalendar.Calendar.from_ical(body)
    by_icalendar = {}
    for event in first.walk("VEVENT"):
        by_icalendar[str(event["UID"])] = {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "summary": str(event["SUMMARY"]),
            "description": str(event["DESCRIPTION"]),
            "url": str(event["URL"]),
            "tzid": event["DTSTART"].params.get("TZID"),
        }
    second = vobject.readOne(body.decode("utf-8"))
    by_vobject = {}
    for event in second.vevent_list:
        by_vobject[event.uid.value] = {
            "start": event.dtstart.value,
            "end": event.dtend.value,
            "sequence": int(event.sequence.value),
            "status": event.status.value,
            "summary": event.summary.value,
            "description": event.description.value,
            "url": event.url.value,
            # vobject turns TZID into a tzinfo built from our VTIMEZONE, keeping the name here.
            "tzid": event.dtstart.params.get("X-VOBJ-ORIGINAL-TZID", [None])[0],
        }
    assert by_icalendar.keys() == by_vobject.keys()
    for uid, one in by_icalendar.items():
        other = by_vobject[uid]
        for key in ("sequence", "status", "summary", "description", "url", "tzid"):
            assert one[key] == other[key], (uid, key)
        assert one["start"] == other["start"] and one["end"] == other["end"], uid
    assert first.walk("VTIMEZONE")[0]["TZID"] == "Europe/Helsinki"
    return by_icalendar, by_vobject


def get_feed(client: Any, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"]
    return response


def edit_session(app: Any, session_id: int, **changes: Any) -> None:
    """Change a session directly, as the hosting API will (Session.touch() raises SEQUENCE)."""
    with app.app_context():
        session = db.session.get(Session, session_id)
        for key, value in changes.items():
            setattr(session, key, value)
        session.touch()
        db.session.commit()


def uid(session_id: int) -> str:
    return f"session-{session_id}@localhost"


# --- course feed --------------------------------------------------------------------------------


def test_course_feed_has_every_session_with_stable_uid_and_join_page(client, make_course):
    course = make_course(sessions=5)
    response = get_feed(client, f"/calendar/courses/{course['id']}.ics")
    assert response.headers["Cache-Control"] == "public, no-cache"
    body = response.data
    assert b"BEGIN:VTIMEZONE" in body and b"DTSTART;TZID=Europe/Helsinki:" in body
    events, _ = both(body)
    assert set(events) == {uid(s["id"]) for s in course["sessions"]}
    join = f"{BASE}/join/{course['id']}"
    for session in course["sessions"]:
        event = events[uid(session["id"])]
        assert event["url"] == join
        assert join in event["description"]
        assert event["status"] == "CONFIRMED"
        assert event["summary"] == "Liikuntatuokio"
        assert event["tzid"] == "Europe/Helsinki"
        assert event["start"] == datetime.fromisoformat(session["starts_at"])
    # Stable: the same UIDs and bytes on a second fetch.
    assert client.get(f"/calendar/courses/{course['id']}.ics").data == body


def test_course_feed_in_swedish_and_unknown_course(client, make_course):
    course = make_course(sessions=2, languages=["fi", "sv"])
    events, _ = both(get_feed(client, f"/calendar/courses/{course['id']}.ics?lang=sv").data)
    event = next(iter(events.values()))
    assert event["summary"] == "Motionsstund"
    assert "Träff 1 av 2" in event["description"] or "Träff 2 av 2" in event["description"]
    assert b"LANGUAGE=sv" in client.get(f"/calendar/courses/{course['id']}.ics?lang=sv").data
    assert client.get("/calendar/courses/999999.ics").status_code == 404


def test_local_times_across_both_clock_changes_of_2027(client, make_course):
    # Mondays 10:00 from 15 March to late November 2027: summer time starts on 28 March and
    # ends on 31 October (the last Sundays). Easter Monday (29 March) is skipped.
    course = make_course(first_session="2027-03-15T10:00", sessions=36, duration_minutes=90)
    by_icalendar, by_vobject = both(get_feed(client, f"/calendar/courses/{course['id']}.ics").data)
    starts = sorted(event["start"] for event in by_icalendar.values())
    assert starts[0].date() == date(2027, 3, 15) and starts[-1] > datetime(2027, 11, 1, tzinfo=UTC)
    assert date(2027, 3, 29) not in {s.date() for s in starts}
    for events in (by_icalendar, by_vobject):
        for event in events.values():
            local = event["start"].astimezone(HELSINKI)
            assert (local.hour, local.minute, local.weekday()) == (10, 0, 0)
            assert event["end"] - event["start"] == timedelta(minutes=90)
            summer = date(2027, 3, 28) < local.date() < date(2027, 10, 31)
            assert local.utcoffset() == timedelta(hours=3 if summer else 2)
            # Both parsers keep the instant: 07:00Z in summer, 08:00Z in winter.
            assert event["start"].astimezone(UTC).hour == (7 if summer else 8)


def test_host_change_raises_sequence_and_cancellation_is_kept(app, client, make_course):
    course = make_course(sessions=4, regions=["03", "05", "14"])
    url = f"/calendar/courses/{course['id']}.ics"
    before = get_feed(client, url)
    initial = {key: event["sequence"] for key, event in both(before.data)[0].items()}
    changed, cancelled = course["sessions"][1], course["sessions"][2]
    new_host = next(c for c in ("03", "05", "14") if c != changed["host_region"])
    edit_session(app, changed["id"], host_region=new_host, host_set_by_hand=True)
    edit_session(app, cancelled["id"], status="cancelled")
    after = get_feed(client, url)
    assert after.headers["ETag"] != before.headers["ETag"]
    for events in both(after.data):
        assert events[uid(changed["id"])]["sequence"] == initial[uid(changed["id"])] + 1
        assert events[uid(cancelled["id"])]["sequence"] == initial[uid(cancelled["id"])] + 1
        assert events[uid(cancelled["id"])]["status"] == "CANCELLED"
        assert events[uid(cancelled["id"])]["summary"].startswith("PERUTTU")
        unchanged = uid(course["sessions"][0]["id"])
        assert events[unchanged]["sequence"] == initial[unchanged]
        assert events[unchanged]["status"] == "CONFIRMED"
        assert len(events) == 4  # the cancelled session stays in the feed
    # A second change raises it again.
    edit_session(app, changed["id"], host_region=changed["host_region"])
    for events in both(get_feed(client, url).data):
        assert events[uid(changed["id"])]["sequence"] == initial[uid(changed["id"])] + 2


# --- conditional requests -----------------------------------------------------------------------


def test_conditional_requests_answer_304_until_something_changes(app, client, make_course):
    course = make_course(sessions=3)
    url = f"/calendar/courses/{course['id']}.ics"
    first = get_feed(client, url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    same = client.get(url, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    assert same.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    assert (
        client.get(
            url, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}
        ).status_code
        == 200
    )
    # Another language is another representation.
    assert client.get(url + "?lang=sv", headers={"If-None-Match": etag}).status_code == 200
    edit_session(app, course["sessions"][0]["id"], status="cancelled")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_conditional_path_is_one_small_query(app, client, make_course, count_queries, state_calls):
    app.config["HOT_READ_MAX_AGE_MS"] = 0  # every request reads the state
    course = make_course(sessions=12)
    url = f"/calendar/courses/{course['id']}.ics"
    etag = get_feed(client, url).headers["ETag"]
    calls = state_calls
    calls.clear()  # from here on
    with count_queries() as queries:  # SQL through SQLAlchemy: none at all
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert queries == [] and calls == [state.COURSE]
    with count_queries() as queries:  # the text for this ETag is kept by the process
        assert client.get(url).status_code == 200
    assert queries == [] and calls == [state.COURSE, state.COURSE]
    with app.app_context():
        derived.cache().clear()
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == 1, queries  # the sessions as plain rows, after the state query


def test_polling_herd_reuses_the_state_until_this_process_commits(
    app, client, make_course, state_calls
):
    """Within HOT_READ_MAX_AGE_MS a process answers repeated 304s without any query, and
    its own change is seen by the very next request."""
    app.config["HOT_READ_MAX_AGE_MS"] = 60_000  # long enough that only a commit can expire it
    course = make_course(sessions=4)
    url = f"/calendar/courses/{course['id']}.ics"
    etag = get_feed(client, url).headers["ETag"]
    calls = state_calls
    calls.clear()  # from here on
    for _ in range(5):
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert calls == []
    edit_session(app, course["sessions"][0]["id"], status="cancelled")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert calls == [state.COURSE]


# --- one session --------------------------------------------------------------------------------


def test_single_session_download(app, client, make_course):
    course = make_course(sessions=3, **CLOSED)
    session = course["sessions"][1]
    response = get_feed(client, f"/calendar/sessions/{session['id']}.ics")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    events, _ = both(response.data)
    assert list(events) == [uid(session["id"])]
    assert events[uid(session["id"])]["url"] == f"{BASE}/join/{course['id']}"
    token = make_participant(app, course["id"])
    personal = get_feed(client, f"/calendar/sessions/{session['id']}.ics?token={token}")
    events, _ = both(personal.data)
    assert events[uid(session["id"])]["url"] == f"{BASE}/join/p/{token}"
    assert personal.headers["Cache-Control"].startswith("private")
    assert client.get(f"/calendar/sessions/{session['id']}.ics?token=nope").status_code == 404
    assert client.get("/calendar/sessions/999999.ics").status_code == 404


# --- participants -------------------------------------------------------------------------------


def test_participant_feed_uses_personal_join_page_and_language(app, client, make_course):
    course = make_course(sessions=3, languages=["fi", "sv"], **CLOSED)
    token = make_participant(app, course["id"], language="sv", name="Åsa Öberg")
    response = get_feed(client, f"/calendar/p/{token}.ics")
    assert response.headers["Cache-Control"] == "private, no-cache"
    for events in both(response.data):
        assert len(events) == 3
        for event in events.values():
            assert event["url"] == f"{BASE}/join/p/{token}"
            assert f"{BASE}/join/p/{token}" in event["description"]
            assert event["summary"] == "Motionsstund"
    assert "Åsa".encode() not in response.data and b"example.org" not in response.data
    fi = get_feed(client, f"/calendar/p/{token}.ics?lang=fi")
    assert "Liikuntatuokio" in both(fi.data)[0][uid(course["sessions"][0]["id"])]["summary"]


@pytest.mark.parametrize("status", ["withdrawn", "rejected", "waitlisted", "submitted"])
def test_participant_feed_only_for_accepted(app, client, make_course, status):
    course = make_course(sessions=2, **CLOSED)
    token = make_participant(app, course["id"])
    set_status(app, token, status)
    assert client.get(f"/calendar/p/{token}.ics").status_code == 404


def test_revoked_participant_token_is_404(app, client, make_course):
    course = make_course(sessions=2, **CLOSED)
    token = make_participant(app, course["id"])
    etag = get_feed(client, f"/calendar/p/{token}.ics").headers["ETag"]
    new = revoke(app, token)
    assert client.get(f"/calendar/p/{token}.ics").status_code == 404
    assert (
        client.get(f"/calendar/p/{token}.ics", headers={"If-None-Match": etag}).status_code == 404
    )
    assert client.get("/calendar/p/unknown.ics").status_code == 404
    get_feed(client, f"/calendar/p/{new}.ics")


# --- region and facilitator feeds --------------------------------------------------------------


def shown_url(html: str, pattern: str) -> str:
    found = re.search(r"<code>(http://localhost" + pattern + r")</code>", html)
    assert found, html
    return found.group(1).replace("&amp;", "&").removeprefix(BASE)


def test_region_feed_token_lifecycle_and_duties(app, client, make_user, make_course):
    planner = make_user("planner", "05")
    course = make_course(planner, sessions=6, regions=["05", "03"], cohost=True)
    other = make_course(make_user("planner", "14"), regions=["14"], sessions=2)
    page = app.test_client()
    sign_in(page, planner)
    assert page.get("/calendar/regions/05.ics").status_code == 404  # no token yet
    made = page.post("/planner/calendars/region", data={"action": "renew"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    url = shown_url(made.get_data(as_text=True), r"/calendar/regions/05\.ics\?token=[\w-]+")
    assert f"webcal://localhost{url}".replace("&", "&amp;") in made.get_data(as_text=True)
    # Shown once: the page later tells only that an address exists.
    assert "token=" not in page.get("/planner/calendars").get_data(as_text=True)

    response = get_feed(client, url)
    assert response.headers["Cache-Control"] == "private, no-cache"
    events, _ = both(response.data)
    duties = {
        uid(s["id"]): s
        for s in course["sessions"]
        if "05" in (s["host_region"], s["cohost_region"])
    }
    assert set(events) == set(duties)  # every session hosts or co-hosts: 05 takes part in each
    assert not {uid(s["id"]) for s in other["sessions"]} & set(events)
    for key, session in duties.items():
        role = "Ohjausvuoro" if session["host_region"] == "05" else "Pariohjaaja"
        assert events[key]["summary"] == f"{role}: Liikuntatuokio"
        assert events[key]["url"] == f"{BASE}/join/{course['id']}"
    assert client.get(url.replace("token=", "token=x")).status_code == 404
    assert client.get(url.replace("/05.ics", "/03.ics")).status_code == 404

    # Renewing stops the old address; revoking stops the new one.
    renewed = page.post("/planner/calendars/region", data={"action": "renew"})
    new_url = shown_url(renewed.get_data(as_text=True), r"/calendar/regions/05\.ics\?token=[\w-]+")
    assert client.get(url).status_code == 404
    get_feed(client, new_url)
    page.post("/planner/calendars/region", data={"action": "revoke"})
    assert client.get(new_url).status_code == 404


def test_region_feed_follows_a_host_change(app, client, make_user, make_course):
    planner = make_user("planner", "05")
    course = make_course(planner, sessions=4, regions=["05", "03"])
    page = app.test_client()
    sign_in(page, planner)
    made = page.post("/planner/calendars/region", data={"action": "renew"})
    url = shown_url(made.get_data(as_text=True), r"/calendar/regions/05\.ics\?token=[\w-]+")
    first = get_feed(client, url)
    mine = [s for s in course["sessions"] if s["host_region"] == "05"]
    edit_session(app, mine[0]["id"], host_region="03", host_set_by_hand=True)
    # The duty left region 05: its feed changes (no 304) and no longer lists the session.
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    for events in both(after.data):
        assert uid(mine[0]["id"]) not in events
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code in (200, 304)  # Last-Modified has one-second precision


def test_only_the_regions_planners_or_admin_manage_its_token(app, make_user):
    facilitator = app.test_client()
    sign_in(facilitator, make_user("facilitator", "05"))
    assert (
        facilitator.post("/planner/calendars/region", data={"action": "renew"}).status_code == 403
    )
    admin = app.test_client()
    sign_in(admin, make_user("admin", None))
    made = admin.post("/planner/calendars/region", data={"action": "renew", "region": "14"})
    assert "/calendar/regions/14.ics?token=" in made.get_data(as_text=True)
    assert admin.post("/planner/calendars/region", data={"region": "99"}).status_code == 404
    anonymous = app.test_client()
    assert anonymous.post("/planner/calendars/region", data={}).status_code == 302


def test_facilitator_feed_in_their_language_and_revocable(app, client, make_user, make_course):
    facilitator = make_user("facilitator", "03", language="sv")
    course = make_course(sessions=6, regions=["03", "05"], languages=["fi", "sv"])
    page = app.test_client()
    sign_in(page, facilitator)
    made = page.post("/planner/calendars/own", data={"action": "renew"})
    url = shown_url(made.get_data(as_text=True), r"/calendar/f/[\w-]+\.ics")
    for events in both(get_feed(client, url).data):
        expected = {uid(s["id"]) for s in course["sessions"] if s["host_region"] == "03"}
        assert set(events) == expected
        assert all(e["summary"] == "Värdtur: Motionsstund" for e in events.values())
    page.post("/planner/calendars/own", data={"action": "revoke"})
    assert client.get(url).status_code == 404


def test_a_new_personal_link_is_in_the_feed_at_once(app, client, make_course):
    """Public feeds are kept per ETag; a participant's feed is built every time, because the
    ETag does not name the token its join links carry."""
    course = make_course(sessions=3, **CLOSED)
    old = make_participant(app, course["id"])
    assert f"/join/p/{old}" in get_feed(client, f"/calendar/p/{old}.ics").get_data(as_text=True)
    with app.app_context():
        application = find_by_token(old)
        new = assign_new_token(application)
        db.session.commit()
    text = get_feed(client, f"/calendar/p/{new}.ics").get_data(as_text=True)
    assert f"/join/p/{new}" in text and old not in text
