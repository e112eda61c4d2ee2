"""Rotation pages in real Chromium: no axe-core violations in fi and sv, and setting a host
with the keyboard only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.extensions import db
from scheduler.hosting.models import Closure
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD, course_payload
from tests.hosting.conftest import local_day, sessions_of, start_at, weekday_in

pytestmark = pytest.mark.browser


@pytest.fixture
def network(client, make_user, app):
    """The pilot's planners, a course with co-hosts, a closure and a waiting swap request."""
    planners = {code: make_user("planner", code) for code in ("03", "05", "14")}
    payload = course_payload(first_session=start_at(weekday_in(3)), sessions=10, cohost=True)
    course = client.post("/api/v1/courses", json=payload, headers=planners["03"].headers)
    course = course.get_json()
    day = local_day(course["sessions"][4]["starts_at"])
    with app.app_context():
        db.session.add(
            Closure(region_code="14", start=day, end=day + timedelta(days=2), reason="Kesätauko")
        )
        db.session.commit()
    mine = next(s for s in course["sessions"] if s["host_region"] == "03")
    theirs = next(s for s in course["sessions"] if s["host_region"] == "05")
    response = client.post(
        f"/api/v1/sessions/{mine['id']}/swap-requests",
        json={"session": theirs["id"]},
        headers=planners["03"].headers,
    )
    assert response.status_code == 201
    return {"planners": planners, "course": course, "theirs": theirs}


def open_in(page, live_server, language, staff):
    page.goto(f"{live_server}/language/{language}?next=/courses")
    sign_in(page, live_server, staff.email, PASSWORD)
    page.wait_for_url("**/planner")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_rotation_pages_have_no_axe_violations(page, axe, live_server, network, language):
    planner = network["planners"]["05"]
    course = network["course"]
    open_in(page, live_server, language, planner)
    for path in (
        f"/planner/courses/{course['id']}/rotation",
        "/planner/rotation?scope=all&weeks=12",
        "/planner/swap-requests",
        "/planner/reports/hosting",
        "/planner/closures",
        f"/planner/sessions/{network['theirs']['id']}/host",
        f"/planner/sessions/{network['theirs']['id']}/swap",
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1
        assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_forms_with_errors_have_no_axe_violations(
    page, axe, live_server, network, client, language
):
    planner = network["planners"]["05"]
    open_in(page, live_server, language, planner)
    # The closure form with an end before the start.
    page.goto(f"{live_server}/planner/closures")
    page.fill("#start", "2027-07-31")
    page.fill("#end", "2027-07-01")
    page.click("form#form button[type=submit]")
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)
    # A refused host: region 14 is closed on that day.
    closed = network["course"]["sessions"][4]
    page.goto(f"{live_server}/planner/sessions/{closed['id']}/host")
    page.select_option("#host_region", "14")
    if closed["cohost_region"] == "14":
        page.select_option("#cohost_region", "")
    page.click("form#form button[type=submit]")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert ("suljettu" if language == "fi" else "stängt") in summary.inner_text()
    assert_accessible(axe, page)


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with Tab")


def test_set_a_host_with_the_keyboard_only(page, live_server, network, client):
    planner = network["planners"]["03"]
    course = network["course"]
    target = next(
        s for s in course["sessions"][5:] if s["host_region"] != "14" and s["cohost_region"] != "14"
    )
    open_in(page, live_server, "fi", planner)
    page.goto(f"{live_server}/planner/courses/{course['id']}/rotation")
    tab_to(page, f'a[href="/planner/sessions/{target["id"]}/host"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/planner/sessions/{target['id']}/host")
    tab_to(page, "#host_region")
    # Choose Pohjois-Karjala (14) by typing the start of its name, as a keyboard user would.
    page.keyboard.type("Pohjois")
    assert page.eval_on_selector("#host_region", "e => e.value") == "14"
    tab_to(page, "form#form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/planner/courses/{course['id']}/rotation")
    assert page.locator(".flash-success").is_visible()
    after = {s["id"]: s for s in sessions_of(client, course["id"])}
    assert after[target["id"]]["host_region"] == "14"
    assert after[target["id"]]["host_set_by_hand"] is True
