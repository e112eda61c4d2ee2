"""One tap in a real Chromium: an open group's Join button on its catalogue card and course
page while the window is open (keyboard only), "next time" otherwise, the join page's countdown
turning into the button by itself, and the region question quieter than Join."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from scheduler.dbtypes import utcnow
from scheduler.i18n import HELSINKI
from tests.browser.conftest import assert_accessible
from tests.browser.test_joining import MEETING, tab_to
from tests.meetings.helpers import only_session_now, place_session

WINDOW = 15  # JOIN_WINDOW_MINUTES by default


@pytest.fixture
def live_group(app, make_course):
    course = make_course(languages=["fi", "sv"])
    only_session_now(app, course, timedelta(minutes=5))
    return course


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_join_from_the_catalogue_in_one_tap_with_the_keyboard(
    page, axe, live_server, live_group, language
):
    page.goto(f"{live_server}/courses?lang={language}")
    assert_accessible(axe, page)
    selector = f"a.join-button[href='/join/{live_group['id']}/go']"
    box = page.locator(selector).bounding_box()
    assert box is not None and box["height"] >= 44
    tab_to(page, selector, limit=60)
    with page.expect_request(lambda request: request.url.startswith(MEETING)) as request:
        page.keyboard.press("Enter")  # one key press from the catalogue to the meeting
    assert request.value.url == MEETING


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_course_page_has_the_join_button_while_open(page, axe, live_server, live_group, language):
    page.goto(f"{live_server}/courses/{live_group['id']}?lang={language}")
    assert_accessible(axe, page)
    button = page.locator("main a.join-button")
    assert button.count() == 1
    assert button.get_attribute("href") == f"/join/{live_group['id']}/go"


MONTHS = {
    "fi": [
        "tammikuuta",
        "helmikuuta",
        "maaliskuuta",
        "huhtikuuta",
        "toukokuuta",
        "kesäkuuta",
        "heinäkuuta",
        "elokuuta",
        "syyskuuta",
        "lokakuuta",
        "marraskuuta",
        "joulukuuta",
    ],
    "sv": [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
}
EXPECTED = {
    "fi": "Seuraavan kerran: maanantai {day}. {month} klo 10.00",
    "sv": "Nästa gång: måndag {day} {month} kl. 10:00",
}


def next_monday_at_ten() -> datetime:
    today = utcnow().astimezone(HELSINKI).date()
    day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=HELSINKI)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_next_time_is_written_out_when_the_window_is_closed(
    app, page, axe, live_server, make_course, language
):
    """E.g. "Seuraavan kerran: maanantai 7. joulukuuta klo 10.00" on the card and course page."""
    course = make_course(languages=["fi", "sv"])
    first = next_monday_at_ten()
    for week, session in enumerate(course["sessions"]):
        place_session(app, session["id"], first + timedelta(weeks=week))
    expected = EXPECTED[language].format(day=first.day, month=MONTHS[language][first.month - 1])
    for path in ("/courses", f"/courses/{course['id']}"):
        page.goto(f"{live_server}{path}?lang={language}")
        assert page.locator(f"a.join-button[href='/join/{course['id']}/go']").count() == 0
        assert expected in page.locator("main").inner_text()
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_countdown_turns_into_the_join_button(app, page, axe, live_server, make_course, language):
    course = make_course(languages=["fi", "sv"])
    # The window opens about four seconds after the page loads.
    start = utcnow() + timedelta(minutes=WINDOW, seconds=4)
    place_session(app, course["sessions"][0]["id"], start)
    page.goto(f"{live_server}/join/{course['id']}?lang={language}")
    assert page.locator("#join-button").count() == 0
    assert page.locator("[data-countdown]").is_visible()
    assert_accessible(axe, page)
    page.locator("#join-button").wait_for(state="visible", timeout=15000)
    assert page.locator("[data-countdown]").is_hidden()
    assert page.locator("[data-join-announce]").inner_text() != ""
    assert_accessible(axe, page)
    tab_to(page, "#join-button", limit=40)
    with page.expect_request(lambda request: request.url.startswith(MEETING)) as request:
        page.keyboard.press("Enter")
    assert request.value.url == MEETING


def test_without_script_the_page_refreshes_every_minute(app, client, make_course):
    course = make_course()
    only_session_now(app, course, timedelta(hours=2))
    html = client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in html
    only_session_now(app, course, timedelta(minutes=5))
    assert 'http-equiv="refresh"' not in client.get(f"/join/{course['id']}").get_data(as_text=True)


def test_region_question_comes_after_join_and_is_quieter(page, live_server, live_group):
    page.goto(f"{live_server}/join/{live_group['id']}?lang=fi")
    join = page.locator("#join-button")
    regions = page.locator(".region-question button")
    assert regions.count() == 3
    join_box = join.bounding_box()
    style = "e => [parseFloat(getComputedStyle(e).fontSize), getComputedStyle(e).fontWeight]"
    join_size, join_weight = join.evaluate(style)
    for index in range(3):
        box = regions.nth(index).bounding_box()
        assert box["y"] > join_box["y"] + join_box["height"] + 40  # well below Join
        assert box["height"] >= 44 and box["height"] < join_box["height"]
        size, weight = regions.nth(index).evaluate(style)
        assert size < join_size and int(weight) < int(join_weight)
