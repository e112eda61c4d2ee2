"""The device check page (/check) in Chromium with its fake camera and microphone: the camera
preview shows a picture, the level meter moves, the test sound plays; all by keyboard, axe clean
in Finnish and Swedish, and the "what to do" help opens when a step fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, assert_accessible, wait_until_true
from tests.meetings.helpers import make_participant, only_session_now

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def media_browser(browser: Any) -> Iterator[Any]:
    """A second Chromium with fake media devices, from the same Playwright instance."""
    other = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MEDIA)
    yield other
    other.close()


def press(page: Any, selector: str) -> None:
    """Reach a button with Tab alone and press it with Enter."""
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"{selector} not reached with the keyboard")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_device_check_with_fake_devices(media_browser, axe, live_server, language):
    context = media_browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server}/check?lang={language}")
        assert page.get_attribute("html", "lang") == language
        assert_accessible(axe, page)

        press(page, "#camera-button")
        wait_until_true(page, "document.getElementById('camera-preview').videoWidth > 0")
        assert page.locator("#camera-preview").is_visible()
        assert page.locator("#camera-status.check-ok").inner_text() != ""

        press(page, "#mic-button")
        wait_until_true(page, "document.getElementById('mic-level').value > 3")
        assert page.locator("#mic-status.check-ok").inner_text() != ""

        press(page, "#sound-button")
        assert page.locator("#sound-status.check-ok").inner_text() != ""
        assert_accessible(axe, page)
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1]
    finally:
        context.close()


def test_a_failing_camera_says_what_to_do(browser, live_server):
    """Without media permission (the normal headless browser) the help opens by itself."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{live_server}/check?lang=fi")
        page.evaluate(
            "() => { navigator.mediaDevices.getUserMedia = () =>"
            " Promise.reject(new DOMException('denied', 'NotAllowedError')); }"
        )
        press(page, "#camera-button")
        page.locator("#camera-status.check-fail").wait_for()
        assert "Kamera ei käynnistynyt." in page.locator("#camera-status").inner_text()
        assert page.locator("[data-step=camera] details").get_attribute("open") is not None
        assert "Salli kamera" in page.locator("[data-step=camera] details").inner_text()
    finally:
        context.close()


def test_join_and_personal_pages_link_to_the_check(app, client, make_course):
    course = make_course()
    only_session_now(app, course, timedelta(minutes=5))
    assert 'href="/check"' in client.get(f"/join/{course['id']}").get_data(as_text=True)
    only_session_now(app, course, timedelta(days=2))
    assert 'href="/check"' in client.get(f"/join/{course['id']}").get_data(as_text=True)
    token = make_participant(app, course["id"])
    assert 'href="/check"' in client.get(f"/my/{token}").get_data(as_text=True)
