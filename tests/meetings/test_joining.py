"""Join pages: the window, open and closed courses, personal links, Jitsi JWTs, counters."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.meetings import counting
from tests.meetings.helpers import (
    CLOSED,
    make_participant,
    only_session_now,
    place_session,
    revoke,
    set_status,
    sign_in,
)

JITSI_SECRET = "jitsi-app-secret-0123456789abcdef-0123456789"
STATIC_URL = "https://meet.example.org/room-1"


@pytest.fixture
def app_overrides():
    return {
        "JITSI_BASE_URL": "https://meet.example.fi",
        "JITSI_APP_ID": "etapaiva",
        "JITSI_APP_SECRET": JITSI_SECRET,
        "JOIN_WINDOW_MINUTES": 15,
    }


def test_join_page_inside_window_shows_one_big_button(app, client, make_course):
    course = make_course()
    only_session_now(app, course, timedelta(minutes=10))
    page = client.get(f"/join/{course['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="button primary big join-button"') == 1
    assert f'href="/join/{course["id"]}/go"' in html
    assert "Liikuntatuokio" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert STATIC_URL not in html  # the provider link is never handed out on the page


def test_window_edges_at_go(app, client, make_course):
    course = make_course()
    first = only_session_now(app, course, timedelta(minutes=16))
    outside = client.get(f"/join/{course['id']}/go")
    assert outside.status_code == 409
    text = outside.get_data(as_text=True)
    assert "join-button" not in text
    assert "Seuraava kerta" in text  # says when the next session is (Finnish by default)

    place_session(app, first, utcnow() + timedelta(minutes=14))
    inside = client.get(f"/join/{course['id']}/go")
    assert inside.status_code == 302
    assert inside.headers["Location"] == STATIC_URL

    place_session(app, first, utcnow() - timedelta(minutes=59))  # ends in a minute
    assert client.get(f"/join/{course['id']}/go").status_code == 302

    place_session(app, first, utcnow() - timedelta(minutes=61))  # ended a minute ago
    after = client.get(f"/join/{course['id']}/go")
    assert after.status_code == 409


def test_window_follows_the_setting(app, client, make_course):
    app.config["JOIN_WINDOW_MINUTES"] = 30
    course = make_course()
    only_session_now(app, course, timedelta(minutes=25))
    assert client.get(f"/join/{course['id']}/go").status_code == 302
    html = client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert "join-button" in html


def test_page_outside_window_tells_the_next_session_in_swedish(app, client, make_course):
    course = make_course(languages=["fi", "sv"])
    only_session_now(app, course, timedelta(days=2))
    page = client.get(f"/join/{course['id']}?lang=sv")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "join-button" not in html
    assert "Nästa träff" in html
    assert "Motionsstund" in html
    assert '<html lang="sv">' in html


def test_cancelled_session_is_said_so(app, client, make_course):
    course = make_course()
    ids = [s["id"] for s in course["sessions"]]
    place_session(app, ids[0], utcnow() + timedelta(minutes=5), status="cancelled")
    place_session(app, ids[1], utcnow() + timedelta(days=7))
    for session_id in ids[2:]:
        place_session(app, session_id, utcnow() + timedelta(days=30))
    html = client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert "Peruttu" in html
    assert "join-button" not in html
    assert client.get(f"/join/{course['id']}/go").status_code == 409


def test_course_with_no_more_sessions(app, client, make_course):
    course = make_course(sessions=1)
    only_session_now(app, course, timedelta(days=-3))
    html = client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert "Kurssilla ei ole enää" in html


def test_unknown_course_is_404(client):
    assert client.get("/join/999999").status_code == 404
    assert client.get("/join/999999/go").status_code == 404


def test_open_course_counts_joins_and_region_answers(app, client, make_course):
    course = make_course()
    first = only_session_now(app, course, timedelta(minutes=5))
    html = client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert 'name="region" value="03"' in html  # one tap per participating region
    for _ in range(3):
        assert client.get(f"/join/{course['id']}/go").status_code == 302
    answer = client.post(
        f"/join/{course['id']}/region", data={"region": "14", "session": first, "lang": "sv"}
    )
    assert answer.status_code == 303
    assert "answered=1" in answer.headers["Location"] and "lang=sv" in answer.headers["Location"]
    thanks = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "join-button" in thanks and 'name="region"' not in thanks
    # A region that does not take part is ignored, never an error.
    assert (
        client.post(
            f"/join/{course['id']}/region", data={"region": "21", "session": first}
        ).status_code
        == 303
    )
    with app.app_context():
        assert counting.joins_of(first) == 3
        assert counting.region_answers_of(first) == {"14": 1}


def test_closed_course_open_link_explains_the_personal_link(app, client, make_course):
    course = make_course(**CLOSED)
    only_session_now(app, course, timedelta(minutes=5))
    page = client.get(f"/join/{course['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "join-button" not in html
    assert "omalla linkillä" in html
    assert f'href="/courses/{course["id"]}"' in html
    assert client.get(f"/join/{course['id']}/go").status_code == 403


def test_participant_joins_with_personal_link_and_name(app, client, make_course):
    course = make_course(**CLOSED, meeting={"provider": "jitsi"})
    only_session_now(app, course, timedelta(minutes=3))
    token = make_participant(app, course["id"], language="sv", name="Åsa Öberg")
    page = client.get(f"/join/p/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="sv">' in html  # the participant's own language
    assert f'href="/join/p/{token}/go"' in html
    assert f"/calendar/p/{token}.ics" in html
    go = client.get(f"/join/p/{token}/go")
    assert go.status_code == 302
    target = urlsplit(go.headers["Location"])
    assert target.netloc == "meet.example.fi"
    claims = jwt.decode(
        parse_qs(target.query)["jwt"][0], JITSI_SECRET, algorithms=["HS256"], audience="jitsi"
    )
    assert claims["iss"] == "etapaiva"
    assert claims["room"] == target.path.lstrip("/")
    assert claims["context"]["user"]["name"] == "Åsa Öberg"
    assert claims["context"]["user"]["moderator"] is False
    assert claims["exp"] > utcnow().timestamp()


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [
        ("withdrawn", 410, "Olet lähtenyt"),
        ("rejected", 410, "Et saanut paikkaa"),
        ("waitlisted", 200, "jonossa"),
        ("submitted", 200, "Sinulla ei ole vielä paikkaa"),
    ],
)
def test_personal_link_without_a_place(app, client, make_course, status, code, words):
    course = make_course(**CLOSED)
    only_session_now(app, course, timedelta(minutes=3))
    token = make_participant(app, course["id"], language="fi")
    set_status(app, token, status)
    page = client.get(f"/join/p/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == code
    assert words in html
    assert "join-button" not in html
    assert client.get(f"/join/p/{token}/go").status_code in (403, 410)


def test_revoked_and_unknown_links(app, client, make_course):
    course = make_course(**CLOSED)
    only_session_now(app, course, timedelta(minutes=3))
    token = make_participant(app, course["id"])
    new = revoke(app, token)
    for old in (token, "no-such-token"):
        page = client.get(f"/join/p/{old}")
        assert page.status_code == 404
        assert "join-button" not in page.get_data(as_text=True)
        assert "Linkki ei toimi" in page.get_data(as_text=True)
        assert client.get(f"/join/p/{old}/go").status_code == 404
    assert client.get(f"/join/p/{new}/go").status_code == 302


def test_hosting_staff_moderate_and_others_view(app, client, make_user, make_course):
    course = make_course(regions=["03", "05", "14"], meeting={"provider": "jitsi"})
    first = only_session_now(app, course, timedelta(minutes=3))
    with app.app_context():
        session = db.session.get(Session, first)
        host = session.host_region
    other = next(code for code in ("03", "05", "14") if code != host)
    cases = [(make_user("facilitator", host), True), (make_user("facilitator", other), False)]
    for staff, moderator in cases:
        client = app.test_client()
        sign_in(client, staff)
        go = client.get(f"/join/{course['id']}/go")
        assert go.status_code == 302
        token = parse_qs(urlsplit(go.headers["Location"]).query)["jwt"][0]
        claims = jwt.decode(token, JITSI_SECRET, algorithms=["HS256"], audience="jitsi")
        assert claims["context"]["user"]["moderator"] is moderator
    with app.app_context():
        assert counting.joins_of(first) == 0  # staff joins are not counted as visitors


def test_staff_of_a_participating_region_may_join_a_closed_course(
    app, client, make_user, make_course
):
    course = make_course(**CLOSED)
    only_session_now(app, course, timedelta(minutes=3))
    sign_in(client, make_user("facilitator", "14"))
    assert "join-button" in client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert client.get(f"/join/{course['id']}/go").status_code == 302


def test_course_page_links_to_the_join_page_and_calendars(app, client, make_course):
    course = make_course()
    only_session_now(app, course, timedelta(days=1))
    html = client.get(f"/courses/{course['id']}").get_data(as_text=True)
    assert f'href="/join/{course["id"]}"' in html
    assert f"webcal://localhost/calendar/courses/{course['id']}.ics" in html
    assert f"/calendar/sessions/{course['sessions'][0]['id']}.ics" in html
    api = client.get(f"/api/v1/courses/{course['id']}").get_json()
    assert api["join_url"].endswith(f"/join/{course['id']}")
