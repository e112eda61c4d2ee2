"""Planner pages of the rotation, through the test client, in Finnish and Swedish."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD
from tests.hosting.conftest import local_day, sessions_of


def sign_in(client, staff, language="fi"):
    client.get(f"/language/{language}?next=/courses")
    response = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302


def text(response):
    return response.get_data(as_text=True)


WORDS = {
    "fi": {
        "host": "Vetäjä",
        "cohost": "Parivetäjä",
        "replan": "Suunnittele uudelleen",
        "closed": "Suljettu",
        "holiday": "Arkipyhä",
    },
    "sv": {
        "host": "Värd",
        "cohost": "Medvärd",
        "replan": "Planera om",
        "closed": "Stängt",
        "holiday": "Helgdag",
    },
}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_course_grid(client, make_course, planners, rows, language):
    # Mondays from 22 March 2027: Easter Monday (29 March) is skipped.
    course = make_course(
        planner=planners["03"], first_session="2027-03-22T10:00", sessions=6, cohost=True
    )
    rows.closure(
        "14",
        local_day(course["sessions"][3]["starts_at"]),
        local_day(course["sessions"][3]["starts_at"]),
    )
    sign_in(client, planners["05"], language)
    response = client.get(f"/planner/courses/{course['id']}/rotation")
    assert response.status_code == 200
    page = text(response)
    words = WORDS[language]
    assert f'<html lang="{language}">' in page
    assert "<caption" in page and page.count('<th scope="col">') == 5
    assert page.count('<th scope="row">') == 7  # six sessions and the skipped holiday week
    assert f'<span class="role">{words["host"]}</span>' in page
    assert f'<span class="role">{words["cohost"]}</span>' in page
    assert words["replan"] in page and words["holiday"] in page
    assert f'<span class="closed-note">{words["closed"]}</span>' in page
    assert re.search(r'<td class="host[^"]*">', page) and re.search(r'<td class="cohost', page)


def test_facilitators_see_the_grid_without_the_buttons(client, future_course, make_user):
    course = future_course()
    facilitator = make_user("facilitator", "05")
    sign_in(client, facilitator)
    page = text(client.get(f"/planner/courses/{course['id']}/rotation"))
    assert "Suunnittele uudelleen" not in page and "Vaihda vetäjät" not in page
    assert client.get("/planner/closures").status_code == 403
    assert client.get("/planner/swap-requests").status_code == 403
    assert client.get("/planner/reports/hosting").status_code == 403


def test_pages_need_sign_in(client, future_course):
    course = future_course()
    for path in (
        f"/planner/courses/{course['id']}/rotation",
        "/planner/rotation",
        "/planner/closures",
        "/planner/swap-requests",
        "/planner/reports/hosting",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_replan_button(client, future_course, planners, rows):
    course = future_course()
    rows.closure(
        "14",
        local_day(course["sessions"][0]["starts_at"]),
        local_day(course["sessions"][-1]["starts_at"]),
    )
    sign_in(client, planners["03"])
    response = client.post(f"/planner/courses/{course['id']}/plan")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Vuorot suunniteltiin uudelleen" in page
    assert all(s["host_region"] != "14" for s in sessions_of(client, course["id"]))
    outsider_page = client.post("/planner/courses/999999/plan")
    assert outsider_page.status_code == 404


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_network_grid(client, future_course, planners, make_course, language):
    course = future_course(weeks=1)
    future_course(weeks=1, regions=["05", "14"], title={"fi": "Toinen", "sv": "Andra"})
    sign_in(client, planners["03"], language)
    page = text(client.get("/planner/rotation"))
    assert "Liikuntatuokio" in page or "Motionsstund" in page
    assert "Toinen" not in page and "Andra" not in page  # not a course of region 03
    every = text(client.get("/planner/rotation?scope=all&weeks=4"))
    assert ("Toinen" in every) if language == "fi" else ("Andra" in every)
    assert f"/planner/courses/{course['id']}/rotation" in every
    assert every.count('<th scope="row">') == 4
    assert client.get("/planner/rotation?from=x&weeks=99").status_code == 422


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_set_host_form_and_409_message(client, future_course, planners, rows, language):
    course = future_course()
    target = next(s for s in course["sessions"] if s["host_region"] == "03")
    sign_in(client, planners["05"], language)
    url = f"/planner/sessions/{target['id']}/host"
    page = text(client.get(url))
    assert '<label for="host_region">' in page and '<select id="host_region"' in page
    day = local_day(target["starts_at"])
    rows.closure("14", day, day + timedelta(days=3))
    refused = client.post(url, data={"host_region": "14"})
    assert refused.status_code == 409
    page = text(refused)
    assert 'id="error-summary"' in page and 'href="#host_region"' in page
    expected = "on suljettu" if language == "fi" else "är stängt"
    assert expected in page
    assert 'aria-invalid="true"' in page
    saved = client.post(url, data={"host_region": "05"})
    assert saved.status_code == 302
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[target["id"]]["host_region"] == "05"
    assert after[target["id"]]["host_set_by_hand"] is True


def test_set_host_page_for_outsiders_and_cancel(client, future_course, planners, make_user):
    course = future_course()
    target = course["sessions"][2]
    sign_in(client, make_user("planner", "21"))
    assert client.get(f"/planner/sessions/{target['id']}/host").status_code == 403
    client.post("/sign-out")
    sign_in(client, planners["03"])
    response = client.post(f"/planner/sessions/{target['id']}/status", data={"action": "cancel"})
    assert response.status_code == 302
    assert "Tapaamiskerta on peruttu." in text(client.get(response.headers["Location"]))
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[target["id"]]["status"] == "cancelled"
    restored = client.post(f"/planner/sessions/{target['id']}/status", data={"action": "restore"})
    assert restored.status_code == 302
    assert client.get("/planner/sessions/999999/host").status_code == 404


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_closure_form(client, future_course, planners, language):
    course = future_course(sessions=6)
    sign_in(client, planners["14"], language)
    page = text(client.get("/planner/closures"))
    assert '<input type="date" id="start"' in page
    bad = client.post("/planner/closures", data={"start": "2027-07-31", "end": "2027-07-01"})
    assert bad.status_code == 422 and 'id="error-summary"' in text(bad)
    days = [local_day(s["starts_at"]) for s in course["sessions"]]
    response = client.post(
        "/planner/closures",
        data={"start": days[1].isoformat(), "end": days[4].isoformat(), "reason": "Kesä"},
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert (
        "Suljettu jakso tallennettiin." if language == "fi" else "Den stängda perioden sparades."
    ) in page
    assert "Kesä" in page
    for session in sessions_of(client, course["id"]):
        if days[1] <= local_day(session["starts_at"]) <= days[4]:
            assert session["host_region"] != "14"


def test_admin_closure_needs_a_region(client, admin):
    sign_in(client, admin)
    response = client.post("/planner/closures", data={"start": "2027-07-01", "end": "2027-07-02"})
    assert response.status_code == 422
    ok = client.post(
        "/planner/closures", data={"region": "21", "start": "2027-07-01", "end": "2027-07-02"}
    )
    assert ok.status_code == 302


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_swap_pages(client, future_course, planners, language):
    course = future_course()
    mine = next(s for s in course["sessions"] if s["host_region"] == "03")
    theirs = next(s for s in course["sessions"] if s["host_region"] == "05")
    sign_in(client, planners["03"], language)
    form = text(client.get(f"/planner/sessions/{mine['id']}/swap"))
    assert f'value="{theirs["id"]}"' in form and "<legend>" in form
    missing = client.post(f"/planner/sessions/{mine['id']}/swap", data={})
    assert missing.status_code == 422 and 'id="error-summary"' in text(missing)
    sent = client.post(f"/planner/sessions/{mine['id']}/swap", data={"session": theirs["id"]})
    assert sent.status_code == 302
    outgoing = text(client.get("/planner/swap-requests"))
    assert ("Peru pyyntö" if language == "fi" else "Ta tillbaka förfrågan") in outgoing
    client.post("/sign-out")

    sign_in(client, planners["05"], language)
    inbox = text(client.get("/planner/swap-requests"))
    assert ("Hyväksy vaihto" if language == "fi" else "Godkänn bytet") in inbox
    swap_id = re.search(r"/planner/swap-requests/(\d+)/accept", inbox).group(1)
    accepted = client.post(f"/planner/swap-requests/{swap_id}/accept")
    assert accepted.status_code == 302
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[mine["id"]]["host_region"] == "05"
    again = client.post(f"/planner/swap-requests/{swap_id}/accept")
    assert again.status_code == 409 and 'id="error-summary"' in text(again)


def test_swap_page_is_only_for_the_host_region(client, future_course, planners):
    course = future_course()
    mine = next(s for s in course["sessions"] if s["host_region"] == "03")
    sign_in(client, planners["05"])
    assert client.get(f"/planner/sessions/{mine['id']}/swap").status_code == 403


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_report_page(client, make_course, planners, language):
    make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=6)
    sign_in(client, planners["05"], language)
    response = client.get("/planner/reports/hosting?from=2027-01-01&to=2027-12-31")
    assert response.status_code == 200
    page = text(response)
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in page
    assert page.count('<th scope="row">') == 3
    assert ("Tavoite" if language == "fi" else "Mål") in page
    bad = client.get("/planner/reports/hosting?from=2027-12-31&to=2027-01-01")
    assert bad.status_code == 422 and 'id="error-summary"' in text(bad)
    assert client.get("/planner/reports/hosting").status_code == 200


def test_nav_links(client, planners, make_user):
    sign_in(client, planners["03"])
    page = text(client.get("/planner/rotation"))
    for path in (
        "/planner/rotation",
        "/planner/swap-requests",
        "/planner/closures",
        "/planner/reports/hosting",
    ):
        assert f'href="{path}"' in page
