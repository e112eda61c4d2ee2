"""Forgiving pages: focus lands on the error summary after a failed submit, the course page's
session table scrolls inside its own labelled, focusable region, and the accessibility
statement has a descriptive heading."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in, wait_until_true
from tests.conftest import PASSWORD


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_focus_moves_to_the_error_summary(page, axe, live_server, make_user, language):
    planner = make_user("planner", "05", language=language)
    sign_in(page, live_server, planner.email, PASSWORD)
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.goto(f"{live_server}/planner/courses/new?lang={language}")
    page.locator("form.form button[type=submit], form button[type=submit]").last.click()
    page.locator("#error-summary").wait_for()
    # The focusing script is deferred: it runs once the page is parsed, which can be a moment
    # after the summary is in the DOM, so wait for the focus rather than sample it once.
    wait_until_true(page, "document.activeElement && document.activeElement.id === 'error-summary'")
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_session_table_scrolls_in_its_own_region(browser, axe, live_server, make_course, language):
    course = make_course(languages=["fi", "sv"])
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/courses/{course['id']}?lang={language}")
        region = page.locator("div.table-scroll[role=region]")
        assert region.get_attribute("tabindex") == "0"
        label = page.locator(f"#{region.get_attribute('aria-labelledby')}").inner_text()
        assert label in ("Tapaamiskerrat", "Träffar")
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1]
        assert_accessible(axe, page)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("fi", "Etäpäivä-palvelun saavutettavuusseloste"),
        ("sv", "Tillgänglighetsutlåtande för tjänsten Etäpäivä"),
    ],
)
def test_accessibility_statement_has_a_real_heading(page, axe, live_server, language, heading):
    page.goto(f"{live_server}/accessibility?lang={language}")
    assert page.locator("h1").inner_text() == heading
    assert page.locator("h2").count() >= 2
    assert_accessible(axe, page)
