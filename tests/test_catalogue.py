"""The public catalogue at national scale: paged, searchable in both languages, the next
session from one aggregate, served from the process's derived listing with an ETag, and
the same number of queries whatever the number of courses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from scheduler.courses import catalogue
from scheduler.courses.models import Course, Session
from scheduler.database import FastSelect
from scheduler.dbtypes import utcnow
from scheduler.derived import NETWORK_VERSION
from scheduler.extensions import db
from tests.conftest import PASSWORD
from tests.meetings.helpers import place_session


def _titles(page: str) -> list[str]:
    return re.findall(r'<h3><a href="/courses/\d+">(?:<span lang="\w+">)?([^<]+)', page)


def test_pages_in_next_session_order(client, make_course, monkeypatch):
    monkeypatch.setattr(catalogue, "PER_PAGE", 3)
    for day in (15, 11, 13, 12, 14):  # a week without public holidays
        make_course(
            title={"fi": f"Ryhmä {day}", "sv": f"Grupp {day}"},
            first_session=f"2027-01-{day:02d}T10:00",
            sessions=2,
        )
    first = client.get("/courses?lang=fi").get_data(as_text=True)
    assert _titles(first) == ["Ryhmä 11", "Ryhmä 12", "Ryhmä 13"]
    assert "5 kurssia tai ryhmää" in first and "Sivu 1 / 2." in first
    assert 'rel="next" href="/courses?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/courses?page=2&lang=fi").get_data(as_text=True)
    assert _titles(second) == ["Ryhmä 14", "Ryhmä 15"]
    assert 'rel="prev" href="/courses"' in second
    # Out of range and nonsense pages show the nearest real page, never an error.
    assert _titles(client.get("/courses?page=99").get_data(as_text=True)) == _titles(second)
    assert _titles(client.get("/courses?page=x²").get_data(as_text=True)) == _titles(first)


def test_search_words_in_either_language_with_the_filters(client, make_course):
    make_course(
        title={"fi": "Tuolijumppa", "sv": "Stolgympa"},
        description={"fi": "Liikettä istuen", "sv": "Rörelse sittande"},
    )
    make_course(
        title={"fi": "Muistiryhmä", "sv": "Minnesgrupp"},
        kind="closed",
        capacity=8,
        application_deadline="2026-12-20",
    )
    assert _titles(client.get("/courses?q=stolgympa&lang=fi").get_data(as_text=True)) == [
        "Tuolijumppa"
    ]
    assert _titles(client.get("/courses?q=RÖRELSE+istuen").get_data(as_text=True)) == [
        "Tuolijumppa"
    ]
    assert _titles(client.get("/courses?q=muisti&lang=sv").get_data(as_text=True)) == [
        "Minnesgrupp"
    ]
    assert _titles(client.get("/courses?q=muisti&kind=open").get_data(as_text=True)) == []
    nothing = client.get("/courses?q=sukellus&lang=fi").get_data(as_text=True)
    assert "Kokeile muita sanoja" in nothing and 'value="sukellus"' in nothing


def test_next_session_skips_ended_and_cancelled_ones(app, client, make_course):
    course = make_course(title={"fi": "Viikkoryhmä", "sv": ""}, sessions=3)
    ids = [s["id"] for s in course["sessions"]]
    now = utcnow()
    place_session(app, ids[0], now - timedelta(days=7))
    place_session(app, ids[1], now + timedelta(days=1), status="cancelled")
    place_session(app, ids[2], now + timedelta(days=8))
    with app.app_context():
        expected = db.session.get(Session, ids[2]).starts_at
    page = client.get("/courses").get_data(as_text=True)
    assert f'datetime="{expected.isoformat()}"' in page
    # A course whose sessions have all ended is no longer offered.
    place_session(app, ids[2], now - timedelta(days=1))
    assert _titles(client.get("/courses").get_data(as_text=True)) == []


def test_a_cancelled_course_stays_listed_with_a_badge_until_its_sessions_would_end(
    app, client, make_course
):
    course = make_course(title={"fi": "Peruttu ryhmä", "sv": ""}, sessions=2)
    ids = [s["id"] for s in course["sessions"]]
    now = utcnow()
    place_session(app, ids[0], now + timedelta(days=1), status="cancelled")
    place_session(app, ids[1], now + timedelta(days=8), status="cancelled")
    assert _titles(client.get("/courses").get_data(as_text=True)) == []  # the course is not
    with app.app_context():
        db.session.get(Course, course["id"]).status = "cancelled"
        db.session.commit()
    page = client.get("/courses?lang=fi").get_data(as_text=True)
    assert _titles(page) == ["Peruttu ryhmä"]
    assert "badge-cancelled" in page and "Seuraava kerta" not in page
    place_session(app, ids[1], now - timedelta(days=1), status="cancelled")
    place_session(app, ids[0], now - timedelta(days=2), status="cancelled")
    assert _titles(client.get("/courses").get_data(as_text=True)) == []


def test_served_from_memory_with_an_etag_until_something_changes(client, make_course):
    make_course(title={"fi": "Ensimmäinen", "sv": ""})
    first = client.get("/courses?lang=fi")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first.headers["Vary"]
    same = client.get("/courses?lang=fi", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    make_course(title={"fi": "Toinen", "sv": ""})  # another process could have made it
    changed = client.get("/courses?lang=fi", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Toinen" in changed.get_data(as_text=True)
    assert client.get("/courses?lang=sv", headers={"If-None-Match": etag}).status_code == 200


def test_signed_in_staff_get_their_own_page(client, make_user, make_course):
    make_course()
    planner = make_user("planner", "05")
    client.post("/sign-in", data={"email": planner.email, "password": PASSWORD})
    page = client.get("/courses")
    assert "ETag" not in page.headers
    assert "csrf_token" in page.get_data(as_text=True)  # the sign-out form of this user


@pytest.fixture
def fast_selects(monkeypatch):
    """Calls of FastSelect (raw connection, not seen by count_queries)."""
    calls: list[FastSelect] = []
    real = FastSelect.one

    def counting(self, params=None):
        calls.append(self)
        return real(self, params)

    monkeypatch.setattr(FastSelect, "one", counting)
    return calls


def test_queries_stay_the_same_from_one_to_many_courses(
    app, client, make_course, count_queries, fast_selects
):
    app.config["HOT_READ_MAX_AGE_MS"] = 60_000  # only a commit expires the version read
    make_course()
    with count_queries() as few:
        client.get("/courses?q=liikunta&page=1")
    for number in range(6):
        make_course(title={"fi": f"Liikuntatuokio {number}", "sv": ""})
    fast_selects.clear()
    with count_queries() as many:
        client.get("/courses?q=liikunta&page=1")
    assert len(many) == len(few) == 2  # the listing's courses and their regions
    assert fast_selects == [NETWORK_VERSION]
    with count_queries() as again:
        client.get("/courses?q=liikunta&page=1")
    # Nothing changed, and this process committed nothing: the version read is reused too.
    assert again == [] and fast_selects == [NETWORK_VERSION]


def test_fold_keeps_finnish_and_swedish_letters():
    assert catalogue.fold("ÄITI Öljy Åbo café") == "äiti öljy åbo cafe"
    assert catalogue.search_words("  Tuoli   JUMPPA ") == ["tuoli", "jumppa"]
