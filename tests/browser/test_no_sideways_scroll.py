"""No page scrolls sideways at 360 px or at 200 % zoom (1280 px at zoom 2 = 640 CSS px), in
Finnish and Swedish: public, client and planner pages, filled with the demo data."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.courses.models import Course, Session
from scheduler.demo import DEMO_PASSWORD, demo_email, load_demo
from scheduler.extensions import db
from tests.browser.conftest import sign_in
from tests.meetings.helpers import make_participant

VIEWPORTS = {
    "360px": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1},
    "200%": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
PUBLIC = [
    "/courses",
    "/courses/{open}",
    "/courses/{closed}",
    "/courses/{closed}/apply",
    "/join/{open}",
    "/join/{closed}",
    "/regions",
    "/regions/05",
    "/accessibility",
    "/check",
    "/sign-in",
    "/sign-in/forgot",
    "/reports/year",
    "/reports/languages",
    "/feedback/course/{open}",
    "/my/{token}",
    "/my/{token}/card",
    "/join/p/{token}",
]
PLANNER = [
    "/planner",
    "/planner/applications",
    "/planner/courses/new",
    "/planner/courses/{closed}/applications",
    "/planner/courses/{open}/manage",
    "/planner/courses/{open}/edit",
    "/planner/courses/{open}/copy",
    "/planner/courses/{open}/cancel",
    "/planner/courses/{open}/rotation",
    "/planner/courses/{open}/attendance",
    "/planner/courses/{open}/feedback",
    "/planner/sessions/{session}/move",
    "/planner/sessions/{session}/cancel",
    "/planner/sessions/{session}/host",
    "/planner/sessions/{session}/swap",
    "/planner/sessions/{session}/attendance",
    "/planner/rotation",
    "/planner/swap-requests",
    "/planner/closures",
    "/planner/reports/hosting",
    "/planner/reports/ledger",
    "/planner/meetings",
    "/planner/outbox",
    "/planner/audit",
    "/planner/calendars",
    "/planner/followup",
    "/planner/my-sessions",
    "/planner/users",
    "/planner/users/new",
    "/materials",
    "/materials/new",
    "/translations",
    "/translations/missing",
    "/account/password",
]


@pytest.fixture
def demo(app) -> dict[str, Any]:
    with app.app_context():
        load_demo()
        db.session.commit()
        courses = {c.title_fi: c for c in db.session.scalars(db.select(Course))}
        open_id = courses["Hyvän olon tuokio"].id
        closed_id = courses["Uni ja lepo"].id
        session = db.session.scalar(
            db.select(Session.id).where(Session.course_id == open_id).order_by(Session.starts_at)
        )
    token = make_participant(app, closed_id, region="03")
    return {"open": open_id, "closed": closed_id, "session": session, "token": token}


def overflowing(page: Any, base: str, paths: list[str], values: dict, language: str) -> list:
    found = []
    for path in paths:
        url = f"{base}{path.format(**values)}"
        response = page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
        assert response is not None and response.status < 500, (path, response and response.status)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if widths[0] > widths[1]:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth
                        && !e.closest('.table-scroll'))
                .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
            )
            found.append((path, widths, wide))
    return found


@pytest.mark.parametrize("zoom", list(VIEWPORTS))
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_no_page_scrolls_sideways(browser, live_server, demo, language, zoom):
    context = browser.new_context(**VIEWPORTS[zoom])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        problems = overflowing(page, live_server, PUBLIC, demo, language)
        sign_in(page, live_server, demo_email("admin"), DEMO_PASSWORD)
        page.wait_for_url(lambda url: "/sign-in" not in url)
        problems += overflowing(page, live_server, PLANNER, demo, language)
    finally:
        context.close()
    assert not problems, "\n".join(map(str, problems))
