"""Staff accounts in real Chromium: invitation and reset end to end through a real SMTP
server, and axe-core on every account page in Finnish and Swedish."""

from __future__ import annotations

import re

import pytest

from scheduler.notify.outbox import deliver_pending
from tests.accounts.conftest import link_in, queued_token
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
NEW = "kolme kuppia kahvia"


@pytest.fixture
def app_overrides(mail_app_overrides):
    return mail_app_overrides


def _emailed_link(app, smtp, address: str) -> str:
    with app.app_context():
        assert deliver_pending().sent >= 1
    [*_, message] = smtp.mailbox.to(address)
    return link_in(smtp.mailbox.body(message))


def _fresh_page(browser, locale: str = "fi-FI"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_invitation_end_to_end(app, page, browser, live_server, smtp, make_user):
    admin = make_user("admin", None)
    page.goto(f"{live_server}/language/sv?next=/sign-in")
    sign_in(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/planner/users")
    page.get_by_role("link", name="Bjud in en användare").click()
    page.fill("#email", "sanna@example.org")
    page.fill("#name", "Sanna Svensson")
    page.select_option("#role", "planner")
    page.select_option("#region", "17")
    page.check("#language-sv")
    page.get_by_role("button", name="Skicka inbjudan").click()
    page.wait_for_url(re.compile(r".*/planner/users$"))
    assert "Inbjudan skickades till sanna@example.org." in page.content()

    token = _emailed_link(app, smtp, "sanna@example.org")
    [message] = smtp.mailbox.to("sanna@example.org")
    assert message["Subject"] == "Ditt konto i Etäpäivä"
    context, invitee = _fresh_page(browser, locale="sv-FI")  # a Swedish-speaking browser
    try:
        invitee.goto(f"{live_server}/account/set-password/{token}")
        assert invitee.locator("h1").inner_text() == "Välj ditt lösenord"
        assert invitee.input_value("#username") == "sanna@example.org"
        invitee.fill("#new_password", NEW)
        invitee.fill("#new_password_again", NEW)
        invitee.get_by_role("button", name="Spara lösenordet").click()
        invitee.wait_for_url(re.compile(r".*/sign-in$"))
        assert "Ditt lösenord är sparat." in invitee.content()
        invitee.fill("#email", "sanna@example.org")
        invitee.fill("#password", NEW)
        invitee.click("button[type=submit]")
        invitee.wait_for_url(re.compile(r".*/planner$"))
        assert invitee.get_by_role("link", name="Byt lösenord").is_visible()
        # The link is spent.
        invitee.goto(f"{live_server}/account/set-password/{token}")
        assert "Den här länken har redan använts." in invitee.content()
    finally:
        context.close()


def test_reset_end_to_end(app, page, live_server, smtp, make_user):
    planner = make_user("planner", "05")
    page.goto(f"{live_server}/sign-in?lang=fi")
    page.get_by_role("link", name="Unohditko salasanasi?").click()
    page.fill("#email", planner.email)
    page.get_by_role("button", name="Lähetä linkki").click()
    assert page.locator("h1").inner_text() == "Katso sähköpostisi"

    token = _emailed_link(app, smtp, planner.email)
    page.goto(f"{live_server}/account/set-password/{token}")
    page.fill("#new_password", NEW)
    page.fill("#new_password_again", NEW)
    page.get_by_role("button", name="Tallenna salasana").click()
    page.wait_for_url(re.compile(r".*/sign-in$"))
    sign_in(page, live_server, planner.email, PASSWORD)
    assert "Sähköpostiosoite tai salasana on" in page.content()  # the old one is gone
    sign_in(page, live_server, planner.email, NEW)
    page.wait_for_url(re.compile(r".*/planner$"))


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_account_pages_have_no_axe_violations(
    app, page, axe, browser, live_server, make_user, language
):
    admin = make_user("admin", None)
    planner = make_user("planner", "05")
    make_user("facilitator", "05")
    page.goto(f"{live_server}/language/{language}?next=/sign-in")

    # Signed out: forgot password, its answer and its errors; set-password links.
    page.goto(f"{live_server}/sign-in")
    assert_accessible(axe, page)
    page.goto(f"{live_server}/sign-in/forgot")
    assert_accessible(axe, page)
    page.locator("form.form button[type=submit]").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)
    page.fill("#email", planner.email)
    page.locator("form.form button[type=submit]").click()
    assert page.locator("h1").count() == 1
    assert_accessible(axe, page)
    token = queued_token(app, planner.email)
    page.goto(f"{live_server}/account/set-password/{token}")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(axe, page)
    page.fill("#new_password", "short")
    page.fill("#new_password_again", "other")
    page.locator("form.form button[type=submit]").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)
    page.goto(f"{live_server}/account/set-password/no-such-link-00000000000000000000")
    assert_accessible(axe, page)

    # An admin's pages.
    sign_in(page, live_server, admin.email, PASSWORD)
    for path in (
        "/planner/users",
        "/planner/users?region=05",
        "/planner/users/new",
        f"/planner/users/{planner.id}",
        "/account/password",
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(axe, page)
    page.goto(f"{live_server}/planner/users/new")
    page.locator("form.form button[type=submit]").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)
    page.goto(f"{live_server}/account/password")
    page.fill("#current_password", "wrong")
    page.locator("form.form button[type=submit]").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)

    # A planner's pages.
    context, as_planner = _fresh_page(browser)
    try:
        as_planner.goto(f"{live_server}/language/{language}?next=/sign-in")
        sign_in(as_planner, live_server, planner.email, PASSWORD)
        for path in ("/planner/users", "/planner/users/new"):
            as_planner.goto(f"{live_server}{path}")
            assert_accessible(axe, as_planner)
    finally:
        context.close()


def test_keyboard_only_invitation_and_a_phone_screen(page, browser, live_server, make_user):
    planner = make_user("planner", "05")
    sign_in(page, live_server, planner.email, PASSWORD)
    page.goto(f"{live_server}/planner/users/new?lang=fi")
    page.focus("#email")
    page.keyboard.type("ohjaaja@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("Olli Ohjaaja")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/planner/users$"))
    assert "ohjaaja@example.org" in page.content()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    small = phone.new_page()
    try:
        sign_in(small, live_server, planner.email, PASSWORD)
        for path in (
            "/planner/users",
            "/planner/users/new",
            "/account/password",
            "/sign-in/forgot",
        ):
            small.goto(f"{live_server}{path}")
            assert small.evaluate("document.documentElement.scrollWidth") <= 360, path
    finally:
        phone.close()
