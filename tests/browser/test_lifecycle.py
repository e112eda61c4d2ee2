"""The course lifecycle and desk pages in real Chromium: no axe-core violations in fi and sv
(also with errors shown), keyboard use, and no horizontal scroll at 360 px."""

# ruff: noqa: F401, F811  (fixtures imported from the rotation and lifecycle tests)

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.extensions import db
from scheduler.meetings.models import JoinCount, JoinRegionCount
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD
from tests.hosting.conftest import admin, future_course, planners, rows
from tests.lifecycle.conftest import applicant, closed_course, local, place

pytestmark = pytest.mark.browser


@pytest.fixture
def network(client, app, closed_course, planners, applicant, place, rows):
    """A closed course of the pilot with participants, a cancelled session with a reason,
    a waiting application, an unhosted session and an open group that met last week."""
    course = closed_course(weeks=2, sessions=6, cohost=True)
    applicant(course["id"], "05", "sv")
    applicant(course["id"], "05", status="submitted")
    client.post(
        f"/api/v1/sessions/{course['sessions'][2]['id']}/cancel",
        json={"reason": {"fi": "Ohjaaja on sairas.", "sv": "Handledaren är sjuk."}},
        headers=planners["03"].headers,
    )
    rows.session(course["sessions"][4]["id"], host_region=None, cohost_region=None)
    open_group = client.post(
        "/api/v1/courses",
        json={
            "kind": "open",
            "title": {"fi": "Avoin jumppa", "sv": "Öppen gympa"},
            "languages": ["fi"],
            "regions": ["05", "14"],
            "first_session": (local(10, 10)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 60,
            "sessions": 3,
            "meeting": {"provider": "static", "url": "https://meet.example.org/open"},
        },
        headers=planners["05"].headers,
    ).get_json()
    held = open_group["sessions"][0]["id"]
    place(held, local(-3, 10))
    with app.app_context():
        db.session.add(JoinCount(session_id=held, joins=5))
        db.session.add(JoinRegionCount(session_id=held, region_code="14", answers=2))
        db.session.commit()
    return {"course": course, "open": open_group}


def open_as(page, live_server, language, staff):
    page.goto(f"{live_server}/language/{language}?next=/courses")
    sign_in(page, live_server, staff.email, PASSWORD)
    page.wait_for_url("**/planner**")


# What sticks out on the right, for the failure message.
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_lifecycle_pages_have_no_axe_violations(
    page,
    axe,
    live_server,
    network,
    planners,
    language,
):
    course = network["course"]
    session = course["sessions"][3]["id"]
    open_as(page, live_server, language, planners["05"])
    for path in (
        "/planner",
        "/planner/my-sessions?weeks=12",
        "/planner/audit",
        f"/planner/audit?course={course['id']}",
        f"/planner/courses/{course['id']}/manage",
        f"/planner/courses/{course['id']}/edit",
        f"/planner/courses/{course['id']}/copy",
        f"/planner/courses/{course['id']}/cancel",
        f"/planner/sessions/{session}/move",
        f"/planner/sessions/{session}/cancel",
        f"/planner/courses/{network['open']['id']}/attendance",
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == language, path
        assert page.locator("h1").count() == 1, path
        assert page.locator('.staff-nav [aria-current="page"]').count() <= 1
        assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_forms_with_errors_have_no_axe_violations(
    page,
    axe,
    live_server,
    network,
    planners,
    rows,
    language,
):
    course = network["course"]
    open_as(page, live_server, language, planners["05"])
    # 422: a length out of range.
    page.goto(f"{live_server}/planner/courses/{course['id']}/edit")
    page.fill("#duration_minutes", "5")
    page.click("form#form button[type=submit]")
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)
    # 409: the host is closed on the new day.
    target = course["sessions"][3]
    day = local(0, 0).date()
    from datetime import date

    start = date.fromisoformat(target["starts_at"][:10])
    rows.closure(target["host_region"], start, start)
    page.goto(f"{live_server}/planner/sessions/{target['id']}/move")
    page.fill("#starts_at", f"{start.isoformat()}T14:00")
    page.click("form#form button[type=submit]")
    summary = page.locator("#error-summary")
    assert summary.is_visible() and day
    assert_accessible(axe, page)
    # 422: a cancellation without a reason.
    page.goto(f"{live_server}/planner/sessions/{target['id']}/cancel")
    page.click("form#form button[type=submit]")
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_cancelled_course_join_page_for_clients(
    page,
    axe,
    live_server,
    client,
    network,
    planners,
    language,
):
    course = network["open"]
    client.post(
        f"/api/v1/courses/{course['id']}/cancel",
        json={"reason": {"fi": "Liian vähän väkeä", "sv": "För få deltagare"}},
        headers=planners["05"].headers,
    )
    page.goto(f"{live_server}/join/{course['id']}?lang={language}")
    lead = page.locator("main .lead").first.inner_text()
    assert ("peruttu" if language == "fi" else "inställd") in lead
    assert page.locator("#join-button").count() == 0
    assert_accessible(axe, page)


def test_cancel_a_session_with_the_keyboard_only(page, live_server, client, network, planners):
    course = network["course"]
    target = course["sessions"][5]
    open_as(page, live_server, "fi", planners["03"])
    page.goto(f"{live_server}/planner/courses/{course['id']}/manage")

    def tab_to(selector: str, limit: int = 150) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"could not reach {selector} with Tab")

    tab_to(f'a[href="/planner/sessions/{target["id"]}/cancel"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/planner/sessions/{target['id']}/cancel")
    tab_to("#reason_fi")
    page.keyboard.type("Juhlapyhä")
    tab_to("form#form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/planner/courses/{course['id']}/manage")
    assert page.locator(".flash-success").is_visible()
    status = client.get(f"/api/v1/courses/{course['id']}/sessions").get_json()["sessions"]
    assert {s["id"]: s for s in status}[target["id"]]["status"] == "cancelled"


def test_desk_and_manage_fit_a_small_screen(browser, live_server, network, planners):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    small = context.new_page()
    try:
        open_as(small, live_server, "sv", planners["05"])
        for path in ("/planner", f"/planner/courses/{network['course']['id']}/manage"):
            small.goto(f"{live_server}{path}")
            wide = small.evaluate(WIDER_THAN_SCREEN)
            assert no_horizontal_scroll(small), (path, wide)
    finally:
        context.close()
