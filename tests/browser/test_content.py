"""Materials and report pages in real Chromium: no axe-core violations in fi and sv."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from scheduler.dbtypes import utcnow
from scheduler.i18n import HELSINKI
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def network(client, make_user, make_course):
    """A planner of 05, a course with sessions in the next weeks, and two materials, one of
    them Finnish only (so fallbacks, gaps and translation buttons show)."""
    planner = make_user("planner", "05")
    start = (utcnow().astimezone(HELSINKI) + timedelta(days=7)).date()
    course = make_course(
        planner=planner,
        regions=["05", "03"],
        languages=["fi", "sv"],
        title={"fi": "Muistiryhmä", "sv": ""},
        first_session=f"{start.isoformat()}T10:00",
        sessions=6,
    )
    for payload in (
        {"title": {"fi": "Uniohje", "sv": "Sömnguide"}, "languages": ["fi", "sv"]},
        {"title": {"fi": "Tuolijumppa", "sv": ""}, "languages": ["fi"]},
    ):
        response = client.post(
            "/api/v1/materials",
            json={**payload, "url": "https://example.org/m", "themes": ["uni"]},
            headers=planner.headers,
        )
        assert response.status_code == 201
    material_id = response.get_json()["id"]
    client.post(
        f"/api/v1/sessions/{course['sessions'][0]['id']}/materials",
        json={"material": material_id},
        headers=planner.headers,
    )
    return planner, course, material_id, start.year


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_content_and_report_pages_have_no_axe_violations(page, axe, live_server, network, language):
    planner, course, material_id, year = network
    page.goto(f"{live_server}/language/{language}?next=/courses")
    sign_in(page, live_server, planner.email, PASSWORD)
    for path in (
        "/materials",
        "/materials?language=sv&theme=uni&q=uni",
        "/materials/new",
        f"/materials/{material_id}",
        f"/materials/{material_id}/versions/new?language=sv",
        "/translations",
        "/translations/missing",
        f"/courses/{course['id']}/texts",
        "/reports/languages",
        f"/reports/year?year={year}",
    ):
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, path
        assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_upload_form_errors_are_accessible(page, axe, live_server, make_user, tmp_path, language):
    planner = make_user("facilitator", "05")
    page.goto(f"{live_server}/language/{language}?next=/courses")
    sign_in(page, live_server, planner.email, PASSWORD)
    disguised = tmp_path / "ohje.pdf"
    disguised.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    page.goto(f"{live_server}/materials/new")
    page.fill("#title_fi", "Ohje")
    page.set_input_files("#file_fi", str(disguised))
    page.click("button[type=submit].primary")
    assert page.locator("#error-summary").is_visible()
    assert page.locator("#file_fi").get_attribute("aria-invalid") == "true"
    assert_accessible(axe, page)


def test_annual_calendar_prints_on_one_a4_landscape_page(page, live_server, network, make_course):
    planner, _course, _material, year = network
    for number in range(20):  # a year of a mid-sized network
        make_course(
            planner=planner,
            title={"fi": f"Etäryhmä numero {number}: liikunta ja hyvinvointi", "sv": ""},
            first_session=f"{year}-{(number % 11) + 1:02d}-0{(number % 5) + 1}T10:00",
            sessions=10,
        )
    sign_in(page, live_server, planner.email, PASSWORD)
    page.goto(f"{live_server}/reports/year?year={year}&lang=fi")
    page.emulate_media(media="print")
    assert not page.locator(".filters").is_visible()
    assert not page.locator(".main-nav").is_visible()
    page.screenshot(path="/tmp/content_i18n/year_print.png", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(boxes) == 1  # one page
    width, height = (float(n) for n in boxes[0])
    assert abs(width - 842) < 2 and abs(height - 595) < 2  # A4 landscape in points
