"""The regions' trade in real Chromium: no axe-core violations in Finnish and Swedish, usable
with the keyboard, and no horizontal scrolling on a 360 px wide phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD, course_payload
from tests.hosting.conftest import start_at, weekday_in

pytestmark = pytest.mark.browser


@pytest.fixture
def network(client, make_user):
    """Planners of five regions and courses between them this year and the next."""
    planners = {code: make_user("planner", code) for code in ("03", "05", "14", "17", "90")}
    for weeks, regions, languages, cohost in (
        (3, ["03", "05", "14"], ["fi"], True),
        (4, ["05", "17", "90"], ["sv"], False),
        (5, ["90", "14", "03", "17"], ["fi"], True),
    ):
        payload = course_payload(
            first_session=start_at(weekday_in(weeks)),
            sessions=10,
            regions=regions,
            languages=languages,
            cohost=cohost,
        )
        response = client.post(
            "/api/v1/courses", json=payload, headers=planners[regions[0]].headers
        )
        assert response.status_code == 201, response.get_json()
    return planners


def open_ledger(page, live_server, language, staff, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/language/{language}?next=/courses")
    sign_in(page, live_server, staff.email, PASSWORD)
    page.wait_for_url("**/planner")
    page.goto(f"{live_server}/planner/reports/ledger?from=2026-01-01&to=2028-12-31")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_ledger_pages_have_no_axe_violations(page, axe, live_server, network, language):
    open_ledger(page, live_server, language, network["05"])
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1
    assert page.locator("svg[role=img]").count() == 2
    assert_accessible(axe, page)
    page.goto(f"{live_server}/planner/reports/ledger/preview")
    assert page.locator("h1").count() == 1
    assert_accessible(axe, page)
    # A period the other way round: the error summary is accessible too.
    page.goto(f"{live_server}/planner/reports/ledger?from=2027-12-31&to=2027-01-01")
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_no_horizontal_scroll_on_a_phone(page, axe, live_server, network, language):
    open_ledger(page, live_server, language, network["14"], width=360)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert_accessible(axe, page)


def tab_to(page, selector: str, limit: int = 150) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with Tab")


def test_ledger_with_the_keyboard_only(page, live_server, network):
    open_ledger(page, live_server, "fi", network["03"])
    # The period form works from the keyboard.
    tab_to(page, "#from")
    page.keyboard.type("01012027")
    tab_to(page, "form.filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**from=2027-01-01**")
    # The wide who-hosted-for-whom matrix can be reached and scrolled with the keyboard.
    tab_to(page, ".matrix-scroll")
    page.keyboard.press("ArrowRight")
    # And so can the preview of the next plan.
    tab_to(page, 'a[href="/planner/reports/ledger/preview"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/planner/reports/ledger/preview")
    assert page.locator("h1").inner_text() == "Mitä seuraava suunnitelma muuttaisi"
