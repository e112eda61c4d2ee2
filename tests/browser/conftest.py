"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, with axe-core checks."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI but was not found")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def assert_accessible(axe: Any, page: Any) -> None:
    """No axe-core violations of WCAG 2.1 A/AA (and best practices) on the current page."""
    results = axe.run(page)
    violations = results.response["violations"]
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]
    assert not violations, "\n".join(summary)


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


def wait_until_true(page: Any, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression from the test until it is truthy.

    Playwright's ``wait_for_function`` re-evaluates its predicate with ``eval`` inside the page
    when the first check is false, which the pages' Content Security Policy rightly forbids;
    ``page.evaluate`` goes through the DevTools protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)
