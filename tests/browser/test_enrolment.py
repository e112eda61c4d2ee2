"""The application form and the personal page in real Chromium: axe-clean in fi and sv, and
usable with the keyboard alone (Tab, Space, Enter and typing; no clicks)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides():
    return {"APPLICATION_RATE_LIMIT_PER_HOUR": 1000}


@pytest.fixture
def course(make_course):
    today = utcnow().astimezone(HELSINKI).date()
    return make_course(
        kind="closed",
        capacity=5,
        application_deadline=(today + timedelta(days=30)).isoformat(),
        first_session=f"{(today + timedelta(days=60)).isoformat()}T10:00",
        sessions=4,
    )


def _personal_link(app, live_server: str, email: str) -> str:
    """The link the applicant finds in their email (the form's answer never shows it)."""
    with app.app_context():
        application = db.session.scalar(db.select(Application).where(Application.email == email))
        return f"{live_server}/my/{personal_token(application)}"


def _assert_support_person(app, email: str) -> None:
    with app.app_context():
        application = db.session.scalar(db.select(Application).where(Application.email == email))
        support = application.support_person
        assert (support.name, support.phone, support.contact) == (
            "Bertta Tukija",
            "+358507654321",
            "sms",
        )
        assert application.messages_to == "both" and application.on_behalf is True


def _focused(page, selector: str) -> bool:
    return page.evaluate(
        "(s) => document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_form_and_personal_page_have_no_axe_violations(
    app, page, axe, live_server, course, language
):
    page.goto(f"{live_server}/courses/{course['id']}/apply?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(axe, page)
    # With errors shown.
    page.locator("form.form button[type=submit]").press("Enter")
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)
    # Filled in and sent: the personal page, the withdrawal step, the page after it.
    page.fill("#name", "Aino Asiakas")
    page.fill("#email", f"aino-{language}@example.org")
    page.check("#region-05")
    page.check("#consent")
    page.locator("form.form button[type=submit]").press("Enter")
    page.wait_for_url("**/apply/sent**")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(axe, page)
    personal = _personal_link(app, live_server, f"aino-{language}@example.org")
    page.goto(personal)
    assert_accessible(axe, page)
    page.goto(f"{personal}/withdraw")
    assert_accessible(axe, page)
    page.locator("form button[type=submit]").press("Enter")
    page.wait_for_url(personal)
    assert_accessible(axe, page)
    page.goto(f"{live_server}/my/not-a-token?lang={language}")
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_apply_and_withdraw_with_the_keyboard_alone(app, page, live_server, course, language):
    page.goto(f"{live_server}/courses/{course['id']}/apply?lang={language}")
    tab_to(page, "#name")
    page.keyboard.type("Aino Asiakas")
    tab_to(page, "#email")
    page.keyboard.type("aino@example.org")
    tab_to(page, "input[name=region]")
    page.keyboard.press("Space")
    # A support person fills it in: the optional section opens with Enter.
    tab_to(page, "#support-person summary")
    page.keyboard.press("Enter")
    tab_to(page, "#support_name")
    page.keyboard.type("Bertta Tukija")
    tab_to(page, "#support_phone")
    page.keyboard.type("050 765 4321")
    tab_to(page, "input[name=support_contact]")
    page.keyboard.press("ArrowDown")  # the second choice: by text message
    tab_to(page, "input[name=messages_to]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # both
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "form.form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/apply/sent**")
    assert page.locator("html").get_attribute("lang") == language
    _assert_support_person(app, "aino@example.org")
    personal = _personal_link(app, live_server, "aino@example.org")
    page.goto(personal)

    # Withdraw: the link, then the confirmation button.
    tab_to(page, "a[href$='/withdraw']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/withdraw")
    tab_to(page, "form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(personal)
    text = page.locator("main").inner_text()
    assert ("peruttu" if language == "fi" else "tillbakatagen") in text
    assert page.locator("a[href$='/withdraw']").count() == 0

    # Download my data is reachable too.
    tab_to(page, "a[href$='/data.json']")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".json")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_selection_page_has_no_axe_violations(
    page, axe, live_server, client, make_user, course, language
):
    client.post(
        f"/api/v1/courses/{course['id']}/applications",
        json={
            "name": "Aino Asiakas",
            "email": "aino@example.org",
            "region": "05",
            "language": "fi",
            "needs": "Iso teksti",
            "consent": True,
            "on_behalf": True,
            "support_person": {"name": "Bertta Tukija", "phone": "050 765 4321"},
            "messages_to": "both",
        },
    )
    planner = make_user("planner", "05")
    page.goto(f"{live_server}/language/{language}?next=/courses")
    sign_in(page, live_server, planner.email, PASSWORD)
    for path in ("/planner/applications", f"/planner/courses/{course['id']}/applications"):
        page.goto(f"{live_server}{path}")
        assert_accessible(axe, page)
