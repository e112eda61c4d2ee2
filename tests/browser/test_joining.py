"""Join pages in a real Chromium: no axe violations in Finnish and Swedish, the Join button is
reached and pressed with the keyboard alone, and it is a large target."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.conftest import assert_accessible
from tests.meetings.helpers import CLOSED, make_participant, only_session_now

MEETING = "https://meet.example.org/room-1"


@pytest.fixture
def open_course(app, make_course):
    course = make_course(languages=["fi", "sv"])
    only_session_now(app, course, timedelta(minutes=5))
    return course


@pytest.fixture
def closed_course(app, make_course):
    course = make_course(languages=["fi", "sv"], **CLOSED)
    only_session_now(app, course, timedelta(minutes=5))
    return course


def tab_to(page, selector: str, limit: int = 30) -> int:
    """Press Tab from the top of the page until `selector` has focus; return how many presses."""
    page.locator("body").focus()
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return presses
    raise AssertionError(f"{selector} was not reached with {limit} Tab presses")


def check_join_button(page) -> None:
    button = page.locator("#join-button")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
    tab_to(page, "#join-button")
    # Enter follows the link to …/go, whose 302 sends the browser on to the meeting (the
    # meeting host does not exist here: the request itself is the proof).
    with page.expect_request(lambda request: request.url.startswith(MEETING)) as request:
        page.keyboard.press("Enter")
    assert request.value.url == MEETING


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_open_course_join_page(page, axe, live_server, open_course, language):
    page.goto(f"{live_server}/join/{open_course['id']}?lang={language}")
    assert page.get_attribute("html", "lang") == language
    assert_accessible(axe, page)
    check_join_button(page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_open_course_join_page_on_a_phone(browser, axe, live_server, open_course, language):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/join/{open_course['id']}?lang={language}")
        assert_accessible(axe, page)
        check_join_button(page)
    finally:
        context.close()


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_closed_course_open_link_explains(page, axe, live_server, closed_course, language):
    page.goto(f"{live_server}/join/{closed_course['id']}?lang={language}")
    assert page.locator("#join-button").count() == 0
    assert_accessible(axe, page)
    tab_to(page, f"main a[href='/courses/{closed_course['id']}']")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_participant_join_page(app, page, axe, live_server, closed_course, language):
    token = make_participant(app, closed_course["id"], language=language)
    page.goto(f"{live_server}/join/p/{token}")
    assert page.get_attribute("html", "lang") == language
    assert_accessible(axe, page)
    check_join_button(page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_page_between_sessions(app, page, axe, live_server, make_course, language):
    course = make_course(languages=["fi", "sv"])
    only_session_now(app, course, timedelta(days=3))
    page.goto(f"{live_server}/join/{course['id']}?lang={language}")
    assert page.locator("#join-button").count() == 0
    assert_accessible(axe, page)
