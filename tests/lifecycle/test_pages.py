"""The lifecycle pages do everything the API does, so a planner never needs the API:
manage, edit, move, cancel a session, add sessions, cancel the course, copy it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.lifecycle.conftest import local_day, sessions_of, start_at, weekday_in
from tests.lifecycle.test_desk import sign_in


def text(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_manage_page(client, future_course, planners, make_user, language):
    course = future_course()
    sign_in(client, planners["05"], language)
    page = text(client.get(f"/planner/courses/{course['id']}/manage"))
    assert ("Hallitse kurssia" if language == "fi" else "Hantera kursen") in page
    for path in ("edit", "copy", "cancel"):
        assert f"/planner/courses/{course['id']}/{path}" in page
    target = course["sessions"][0]["id"]
    assert f"/planner/sessions/{target}/move" in page
    assert f"/planner/sessions/{target}/cancel" in page
    # The course page and the rotation link here for the course's planners.
    assert f"/planner/courses/{course['id']}/manage" in text(client.get(f"/courses/{course['id']}"))
    client.post("/sign-out")
    sign_in(client, make_user("planner", "21"))
    assert client.get(f"/planner/courses/{course['id']}/manage").status_code == 403
    assert f"/planner/courses/{course['id']}/manage" not in text(
        client.get(f"/courses/{course['id']}")
    )
    client.post("/sign-out")
    sign_in(client, make_user("facilitator", "05"))
    assert client.get(f"/planner/courses/{course['id']}/manage").status_code == 403


def test_edit_form(client, closed_course, planners, applicant):
    course = closed_course(capacity=5)
    for _ in range(3):
        applicant(course["id"], "05")
    sign_in(client, planners["05"])
    url = f"/planner/courses/{course['id']}/edit"
    form_page = text(client.get(url))
    assert 'value="Liikuntatuokio"' in form_page and 'id="capacity"' in form_page

    def form(**changes):
        data = {
            "title_fi": "Liikuntatuokio",
            "title_sv": "Motionsstund",
            "description_fi": "Kuvaus",
            "description_sv": "Beskrivning",
            "languages": ["fi"],
            "regions": ["03", "05", "14"],
            "duration_minutes": "60",
            "capacity": "5",
            "application_deadline": course["application_deadline"],
            "meeting_provider": "static",
            "meeting_url": "https://meet.example.org/room-1",
        }
        data.update(changes)
        return data

    unchanged = client.post(url, data=form())
    assert unchanged.status_code == 302
    saved = client.post(url, data=form(title_fi="Tuolijumppa"))
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/manage")
    assert "Kurssi tallennettiin." in text(client.get(saved.headers["Location"]))
    assert client.get(f"/api/v1/courses/{course['id']}").get_json()["title"]["fi"] == "Tuolijumppa"
    bad = client.post(url, data=form(duration_minutes="5"))
    assert bad.status_code == 422 and 'id="error-summary"' in text(bad)
    assert 'aria-invalid="true"' in text(bad)
    conflict = client.post(url, data=form(capacity="2"))
    assert conflict.status_code == 409
    assert "hyväksytty 3" in text(conflict)


def test_move_and_cancel_forms(client, future_course, planners, rows):
    course = future_course(weeks=5, sessions=4)
    target, other = course["sessions"][1], course["sessions"][2]
    sign_in(client, planners["03"])
    day = local_day(target["starts_at"])
    move_url = f"/planner/sessions/{target['id']}/move"
    assert 'type="datetime-local"' in text(client.get(move_url))
    empty = client.post(move_url, data={"starts_at": ""})
    assert empty.status_code == 422
    rows.closure(target["host_region"], day, day)
    refused = client.post(move_url, data={"starts_at": start_at(day, 12)})
    assert refused.status_code == 409 and "suljettu" in text(refused)
    moved_session = course["sessions"][3]
    move_url = f"/planner/sessions/{moved_session['id']}/move"
    later = local_day(moved_session["starts_at"])
    moved = client.post(move_url, data={"starts_at": start_at(later, 15), "duration_minutes": "45"})
    assert moved.status_code == 302
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[moved_session["id"]]["starts_at"][11:16] == "15:00"

    cancel_url = f"/planner/sessions/{other['id']}/cancel"
    assert 'id="reason_fi"' in text(client.get(cancel_url))
    no_reason = client.post(cancel_url, data={"reason_fi": "", "reason_sv": ""})
    assert no_reason.status_code == 422 and 'id="error-summary"' in text(no_reason)
    done = client.post(cancel_url, data={"reason_fi": "Sairastuminen", "reason_sv": ""})
    assert done.status_code == 302
    manage = text(client.get(done.headers["Location"]))
    assert "Sairastuminen" in manage
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[other["id"]]["status"] == "cancelled"


def test_add_sessions_form(client, future_course, planners):
    course = future_course(weeks=3, sessions=2)
    sign_in(client, planners["14"])
    url = f"/planner/courses/{course['id']}/sessions"
    bad = client.post(url, data={"count": "0"})
    assert bad.status_code == 422 and 'id="count-error"' in text(bad)
    added = client.post(url, data={"count": "3"})
    assert added.status_code == 302
    assert len(sessions_of(client, course["id"])) == 5


def test_cancel_course_form_and_what_clients_see(client, closed_course, planners):
    course = closed_course()
    sign_in(client, planners["03"], "sv")
    url = f"/planner/courses/{course['id']}/cancel"
    assert "Ställ in kursen" in text(client.get(url))
    assert client.post(url, data={"reason_fi": "", "reason_sv": ""}).status_code == 422
    done = client.post(url, data={"reason_fi": "", "reason_sv": "För få anmälda"})
    assert done.status_code == 302
    manage = text(client.get(done.headers["Location"]))
    assert "Den här kursen är inställd." in manage and "För få anmälda" in manage
    assert f"/planner/courses/{course['id']}/edit" not in manage
    client.post("/sign-out")
    detail = text(client.get(f"/courses/{course['id']}?lang=fi"))
    assert "Tämä kurssi on peruttu." in detail and "/apply" not in detail
    apply = text(client.get(f"/courses/{course['id']}/apply?lang=fi"))
    assert "Tämä kurssi on peruttu, joten siihen ei voi hakea." in apply
    catalogue = text(client.get("/courses?lang=sv"))
    assert "badge-cancelled" in catalogue


def test_copy_form(client, closed_course, planners):
    course = closed_course()
    sign_in(client, planners["05"])
    url = f"/planner/courses/{course['id']}/copy"
    assert 'id="first_session"' in text(client.get(url))
    missing = client.post(url, data={"first_session": "", "sessions": "6"})
    assert missing.status_code == 422
    first = weekday_in(26)
    done = client.post(
        url,
        data={
            "first_session": start_at(first),
            "sessions": "4",
            "application_deadline": (first - timedelta(days=14)).isoformat(),
        },
    )
    assert done.status_code == 302
    new_id = int(done.headers["Location"].split("/")[-2])
    assert new_id != course["id"]
    assert len(sessions_of(client, new_id)) == 4
