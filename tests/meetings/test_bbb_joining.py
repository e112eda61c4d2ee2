"""BigBlueButton end to end against the fake BBB server on loopback: go-time creates,
signed join URLs, and an outage that loses nothing, is retried and is shown to planners."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import text

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.meetings.bigbluebutton import meeting_id
from scheduler.meetings.models import MeetingLink
from scheduler.meetings.services import claim_due, prepare_links
from tests.conftest import is_postgres
from tests.meetings.fake_bbb import FakeBBB, verify_checksum
from tests.meetings.helpers import CLOSED, make_participant, only_session_now, sign_in

SECRET = "bbb-shared-secret-0123456789abcdef"
BBB = {"provider": "bigbluebutton"}


@pytest.fixture
def bbb() -> Iterator[FakeBBB]:
    with FakeBBB(SECRET, slow_seconds=4) as server:
        yield server


@pytest.fixture
def app_overrides(bbb: FakeBBB):
    return {"BBB_URL": bbb.url, "BBB_SECRET": SECRET, "MEETING_HTTP_TIMEOUT": 1}


def link_of(app, session_id: int) -> MeetingLink | None:
    with app.app_context():
        link = db.session.scalar(db.select(MeetingLink).where(MeetingLink.session_id == session_id))
        if link is not None:
            db.session.expunge(link)
        return link


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_go_creates_the_meeting_and_redirects_to_a_signed_join_url(app, client, bbb, make_course):
    course = make_course(meeting=BBB)
    first = only_session_now(app, course, timedelta(minutes=5))
    go = client.get(f"/join/{course['id']}/go")
    assert go.status_code == 302
    url = go.headers["Location"]
    assert url.startswith(bbb.url + "join?")
    assert verify_checksum(url, SECRET)  # checked exactly as BBB checks it
    params = query_of(url)
    assert params["role"] == "VIEWER"
    assert params["fullName"] == "Vieras"
    assert params["meetingID"] == meeting_id(f"session-{first}")
    creates = bbb.calls_to("create")
    assert len(creates) == 1 and creates[0].checksum_ok
    assert creates[0].params["name"] == "Liikuntatuokio"
    # The browser follows the link to BBB, which lets it in.
    followed = requests.get(url, allow_redirects=False, timeout=5)
    assert followed.status_code == 302 and "/client/" in followed.headers["Location"]
    assert link_of(app, first).state == "ok"


def test_create_is_repeated_at_go_time_because_bbb_drops_idle_meetings(
    app, client, bbb, make_course
):
    course = make_course(meeting=BBB)
    first = only_session_now(app, course, timedelta(minutes=5))
    assert client.get(f"/join/{course['id']}/go").status_code == 302
    bbb.end_meeting(meeting_id(f"session-{first}"))
    again = client.get(f"/join/{course['id']}/go")
    assert again.status_code == 302
    assert len(bbb.calls_to("create")) == 2
    assert meeting_id(f"session-{first}") in bbb.created
    assert (
        requests.get(again.headers["Location"], allow_redirects=False, timeout=5).status_code == 302
    )


def test_host_region_staff_get_moderator(app, bbb, make_user, make_course):
    course = make_course(meeting=BBB)
    first = only_session_now(app, course, timedelta(minutes=5))
    with app.app_context():
        session = db.session.get(Session, first)
        host = session.host_region
    staff_client = app.test_client()
    sign_in(staff_client, make_user("planner", host))
    go = staff_client.get(f"/join/{course['id']}/go")
    params = query_of(go.headers["Location"])
    assert params["role"] == "MODERATOR"
    assert verify_checksum(go.headers["Location"], SECRET)


def test_participant_joins_bbb_with_their_name(app, client, bbb, make_course):
    course = make_course(meeting=BBB, **CLOSED)
    only_session_now(app, course, timedelta(minutes=5))
    token = make_participant(app, course["id"], name="Åsa Öberg")
    go = client.get(f"/join/p/{token}/go")
    assert go.status_code == 302
    params = query_of(go.headers["Location"])
    assert params["fullName"] == "Åsa Öberg" and params["role"] == "VIEWER"
    assert verify_checksum(go.headers["Location"], SECRET)


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
def test_outage_loses_nothing_is_visible_and_is_retried(
    app, client, runner, bbb, make_user, make_course, mode
):
    course = make_course(meeting=BBB)
    first = only_session_now(app, course, timedelta(minutes=5))
    bbb.mode = mode

    go = client.get(f"/join/{course['id']}/go")
    assert go.status_code == 503
    html = go.get_data(as_text=True)
    assert "Videolinkki on tulossa" in html
    assert "join-button" in html  # pressing again later works
    assert go.headers["Retry-After"]
    link = link_of(app, first)
    assert link.state == "failed" and link.attempts == 1
    assert "Aino" not in link.last_error and len(link.last_error) <= 200

    # The page itself (no provider call) says the link is coming, still answers 200.
    page = client.get(f"/join/{course['id']}")
    assert page.status_code == 200
    assert "Videolinkki on tulossa" in page.get_data(as_text=True)

    # Planners of a participating region see the session in their list and on the course page.
    planner = app.test_client()
    sign_in(planner, make_user("planner", "14"))
    listing = planner.get("/planner/meetings").get_data(as_text=True)
    assert f'href="/courses/{course["id"]}"' in listing
    assert "Videopalvelu ei vastannut" in listing
    marker = planner.get(f"/courses/{course['id']}").get_data(as_text=True)
    assert "ei ole toimivaa videolinkkiä" in marker
    # Nobody outside the course's regions sees it.
    outsider = app.test_client()
    sign_in(outsider, make_user("planner", "21"))
    assert f'href="/courses/{course["id"]}"' not in outsider.get("/planner/meetings").get_data(
        as_text=True
    )
    # The public page shows no marker.
    assert "videolinkkiä" not in client.get(f"/courses/{course['id']}").get_data(as_text=True)

    # The provider is back: the retry command creates the meeting.
    bbb.mode = "normal"
    result = runner.invoke(args=["meetings", "retry"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    assert meeting_id(f"session-{first}") in bbb.created
    assert link_of(app, first).state == "ok"
    assert "Videopalvelu ei vastannut" not in planner.get("/planner/meetings").get_data(
        as_text=True
    )
    assert client.get(f"/join/{course['id']}/go").status_code == 302
    with app.app_context():  # the course and all its sessions are still there
        assert db.session.scalar(
            db.select(db.func.count(Session.id)).where(Session.course_id == course["id"])
        ) == len(course["sessions"])


def test_next_join_retries_after_a_short_pause(app, client, bbb, make_course):
    course = make_course(meeting=BBB)
    first = only_session_now(app, course, timedelta(minutes=5))
    bbb.mode = "error"
    assert client.get(f"/join/{course['id']}/go").status_code == 503
    calls = len(bbb.calls)
    bbb.mode = "normal"
    # Right after a failure, joiners do not hammer the provider…
    assert client.get(f"/join/{course['id']}/go").status_code == 503
    assert len(bbb.calls) == calls
    # …but a few seconds later the next join tries again and works.
    with app.app_context():
        link = db.session.scalar(db.select(MeetingLink).where(MeetingLink.session_id == first))
        link.last_attempt_at = utcnow() - timedelta(seconds=30)
        db.session.commit()
    assert client.get(f"/join/{course['id']}/go").status_code == 302
    assert link_of(app, first).state == "ok"


def test_retry_prepares_sessions_of_the_next_day_and_backs_off(app, runner, bbb, make_course):
    course = make_course(meeting=BBB)
    first = only_session_now(app, course, timedelta(hours=3))
    later = course["sessions"][1]["id"]  # a week later: not prepared yet
    bbb.mode = "error"
    failed = runner.invoke(args=["meetings", "retry"])
    assert "0 created, 1 failed" in failed.output
    assert link_of(app, first).state == "failed"
    assert link_of(app, later) is None
    again = runner.invoke(args=["meetings", "retry"])  # within the back-off: not tried
    assert "0 created, 0 failed, 1 still without a link" in again.output
    bbb.mode = "normal"
    forced = runner.invoke(args=["meetings", "retry", "--all"])
    assert "1 created" in forced.output
    assert link_of(app, first).state == "ok"


def test_unconfigured_provider_is_listed_for_planners(app, client, bbb, make_user, make_course):
    course = make_course(meeting=BBB)
    only_session_now(app, course, timedelta(days=2))
    app.config["BBB_URL"] = None
    app.config["BBB_SECRET"] = None
    planner = app.test_client()
    sign_in(planner, make_user("planner", "05"))
    listing = planner.get("/planner/meetings").get_data(as_text=True)
    assert "ei ole otettu käyttöön" in listing


@pytest.mark.skipif(not is_postgres(), reason="row locks with SKIP LOCKED are PostgreSQL's")
def test_claims_skip_rows_locked_by_another_worker(app, bbb, make_course):
    course = make_course(meeting=BBB)
    only_session_now(app, course, timedelta(hours=1), minutes=30)
    second = course["sessions"][1]["id"]
    with app.app_context():
        session = db.session.get(Session, second)
        session.starts_at = utcnow() + timedelta(hours=2)
        session.ends_at = session.starts_at + timedelta(minutes=30)
        db.session.commit()
        assert prepare_links(utcnow()) == 2
        ids = list(db.session.scalars(db.select(MeetingLink.id).order_by(MeetingLink.id)))
    locked = threading.Event()
    release = threading.Event()

    def other_worker() -> None:
        with app.app_context(), db.engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(
                text("SELECT id FROM meeting_link WHERE id = :id FOR UPDATE"), {"id": ids[0]}
            )
            locked.set()
            release.wait(10)
            transaction.rollback()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        with app.app_context():
            assert claim_due(utcnow()) == [ids[1]]
    finally:
        release.set()
        worker.join(10)
