"""Server-rendered pages: catalogue, course page, planner dashboard, new-course form, languages."""

from __future__ import annotations

from scheduler.i18n import HELSINKI
from tests.conftest import PASSWORD


def sign_in(client, staff) -> None:
    response = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302


def test_catalogue_in_finnish_and_swedish(client, make_course):
    make_course()
    fi = client.get("/courses?lang=fi").get_data(as_text=True)
    assert '<html lang="fi">' in fi and "Liikuntatuokio" in fi and "Kurssit ja ryhmät" in fi
    sv = client.get("/courses?lang=sv").get_data(as_text=True)
    assert '<html lang="sv">' in sv and "Motionsstund" in sv and "Kurser och grupper" in sv


def test_browser_language_then_finnish(client):
    sv = client.get("/courses", headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert '<html lang="sv">' in sv.get_data(as_text=True)
    other = client.get("/courses", headers={"Accept-Language": "de"})
    assert '<html lang="fi">' in other.get_data(as_text=True)


def test_language_choice_is_remembered(client):
    response = client.get("/language/sv?next=/courses")
    assert response.status_code == 302 and response.headers["Location"] == "/courses"
    assert '<html lang="sv">' in client.get("/courses").get_data(as_text=True)
    assert client.get("/language/fi?next=//evil.example.org").headers["Location"] == "/courses"


def test_catalogue_filters(client, make_course):
    make_course(title={"fi": "Avoin ryhmä", "sv": ""})
    make_course(
        title={"fi": "Suljettu kurssi", "sv": "Stängd kurs"},
        kind="closed",
        capacity=8,
        application_deadline="2026-12-20",
        regions=["14", "03"],
    )
    page = client.get("/courses?kind=closed").get_data(as_text=True)
    assert "Suljettu kurssi" in page and "Avoin ryhmä" not in page
    page = client.get("/courses?region=21").get_data(as_text=True)
    assert "Suljettu kurssi" not in page and "Avoin ryhmä" not in page
    assert client.get("/courses?region=xx&language=en&kind=x").status_code == 200


def test_missing_translation_falls_back_with_a_marker(client, make_course):
    make_course(title={"fi": "Vain suomeksi", "sv": ""})
    sv = client.get("/courses?lang=sv").get_data(as_text=True)
    assert '<span lang="fi">Vain suomeksi</span>' in sv
    assert "(på finska)" in sv


def test_course_page_lists_sessions_with_local_times(client, make_course):
    course = make_course(first_session="2027-03-22T10:00", sessions=3)
    fi = client.get(f"/courses/{course['id']}?lang=fi").get_data(as_text=True)
    assert "maanantai 22. maaliskuuta 2027" in fi
    assert "10.00" in fi
    assert "maanantai 5. huhtikuuta 2027" in fi  # Easter Monday 29 March skipped, DST kept
    sv = client.get(f"/courses/{course['id']}?lang=sv").get_data(as_text=True)
    assert "måndag 22 mars 2027" in sv and "10:00" in sv
    assert client.get("/courses/999999").status_code == 404


def test_error_pages_are_in_the_users_language(client):
    fi = client.get("/courses/999999?lang=fi")
    assert fi.status_code == 404 and "Sivua ei löytynyt" in fi.get_data(as_text=True)
    sv = client.get("/courses/999999?lang=sv")
    assert "Sidan hittades inte" in sv.get_data(as_text=True)


def test_dashboard_shows_own_region_courses_and_hosts(client, make_user, make_course):
    planner = make_user("planner", "14")
    make_course(title={"fi": "Meidän kurssi", "sv": ""}, regions=["05", "14"])
    make_course(title={"fi": "Muiden kurssi", "sv": ""}, regions=["03", "05"])
    sign_in(client, planner)
    page = client.get("/planner?lang=fi").get_data(as_text=True)
    assert "Meidän kurssi" in page and "Muiden kurssi" not in page


def _form(**changes):
    data = {
        "kind": "open",
        "title_fi": "Tuolijumppa",
        "title_sv": "Stolgympa",
        "description_fi": "",
        "description_sv": "",
        "languages": ["fi"],
        "regions": ["05", "14"],
        "first_session": "2027-02-01T10:00",
        "duration_minutes": "60",
        "sessions": "6",
        "meeting_provider": "static",
        "meeting_url": "https://meet.example.org/tuolijumppa",
    }
    data.update(changes)
    return data


def test_new_course_form_creates_a_course(client, make_user):
    sign_in(client, make_user("planner", "05"))
    assert client.get("/planner/courses/new").status_code == 200
    response = client.post("/planner/courses/new", data=_form())
    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "?lang=fi").get_data(as_text=True)
    assert "Tuolijumppa" in page


def test_new_course_form_shows_clear_errors_in_language(client, make_user):
    sign_in(client, make_user("planner", "05"))
    response = client.post(
        "/planner/courses/new?lang=sv", data=_form(title_fi="", title_sv="", sessions="x")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="error-summary"' in page and 'aria-invalid="true"' in page
    assert "Minst ett språk måste fyllas i." in page
    # Values the user typed are kept.
    assert "https://meet.example.org/tuolijumppa" in page


def test_new_course_form_refuses_other_regions(client, make_user):
    sign_in(client, make_user("planner", "21"))
    response = client.post("/planner/courses/new?lang=fi", data=_form())
    assert response.status_code == 422
    assert "oman alueesi" in response.get_data(as_text=True).lower()


def test_facilitator_cannot_open_new_course_form(client, make_user):
    sign_in(client, make_user("facilitator", "05"))
    assert client.get("/planner/courses/new").status_code == 403


def test_catalogue_queries_do_not_grow_with_courses(client, make_course, count_queries):
    make_course()
    with count_queries() as few:
        client.get("/courses")
    for _ in range(4):
        make_course()
    with count_queries() as many:
        client.get("/courses")
    assert len(many) == len(few)


def test_security_headers(client):
    response = client.get("/courses")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_open_group_page_links_to_feedback_once_it_has_met(client, make_course):
    from datetime import datetime, timedelta

    upcoming = make_course(first_session="2030-01-07T10:00")
    page = client.get(f"/courses/{upcoming['id']}").get_data(as_text=True)
    assert f"/feedback/course/{upcoming['id']}" not in page
    started = (datetime.now(HELSINKI) - timedelta(days=8)).strftime("%Y-%m-%dT10:00")
    running = make_course(first_session=started)
    page = client.get(f"/courses/{running['id']}?lang=sv").get_data(as_text=True)
    assert f"/feedback/course/{running['id']}" in page
    assert client.get(f"/feedback/course/{running['id']}").status_code == 200
