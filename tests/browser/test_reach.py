"""The printable card in real Chromium: one A4 page for a 12-session course (printed to
PDF), a QR code that a decoder reads as the personal join link (zxing-cpp on a
screenshot), axe-clean in Finnish and Swedish; the application form with its support
person section and the administrators' outbox page, axe-clean too."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import PASSWORD
from tests.notify.long_texts import LONG_NAME

pytestmark = pytest.mark.browser

TITLE = {
    "fi": "Hyvinvointia, liikuntaa ja yhdessäoloa – etäryhmä ikäihmisille ja omaishoitajille",
    "sv": "Välbefinnande, motion och samvaro – distansgrupp för äldre och närståendevårdare",
}


@pytest.fixture
def app_overrides():
    return {"APPLICATION_RATE_LIMIT_PER_HOUR": 1000}


@pytest.fixture
def participant(app, client, make_course, make_user):
    """A participant of a 12-session course with a long title, in `language`."""

    def make(language: str) -> str:
        today = utcnow().astimezone(HELSINKI).date()
        course = make_course(
            kind="closed",
            title=TITLE,
            languages=["fi", "sv"],
            capacity=5,
            application_deadline=(today + timedelta(days=30)).isoformat(),
            first_session=f"{(today + timedelta(days=60)).isoformat()}T10:00",
            sessions=12,
        )
        response = client.post(
            f"/api/v1/courses/{course['id']}/applications",
            json={
                "name": LONG_NAME[:60],
                "email": f"card-{language}@example.org",
                "region": "03",
                "language": language,
                "consent": True,
                "support_person": {"name": "Bertta Tukija", "relation": "tytär"},
            },
        )
        application_id = response.get_json()["id"]
        client.post(
            f"/api/v1/applications/{application_id}/decision",
            json={"status": "accepted"},
            headers=make_user("admin", None).headers,
        )
        with app.app_context():
            return personal_token(db.session.get(Application, application_id))

    return make


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_card_prints_on_one_a4_page_with_a_readable_qr_code(
    page, axe, live_server, participant, language
):
    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    token = participant(language)
    page.goto(f"{live_server}/my/{token}/card")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".card-sessions li").count() == 12
    assert page.locator("[data-print]").is_visible()  # the script showed the print button
    assert_accessible(axe, page)

    # The QR code, as a camera sees it on screen, is the personal join link.
    picture = Image.open(io.BytesIO(page.locator("img.card-qr").screenshot()))
    [code] = zxingcpp.read_barcodes(picture)
    assert code.text == f"http://localhost/join/p/{token}"

    # Printed: one A4 page (595 x 842 points), without the site's header and buttons.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-print]").is_visible()
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(pdf.pages) == 1
    width, height = pdf.pages[0].mediabox.width, pdf.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)
    text = pdf.pages[0].extract_text()
    assert TITLE[language].split()[-1] in text  # (the first words may print with ligatures)
    assert "/j/" in text  # the short address to type


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_form_with_the_support_person_section_has_no_axe_violations(
    page, axe, live_server, make_course, language
):
    today = utcnow().astimezone(HELSINKI).date()
    course = make_course(
        kind="closed",
        capacity=5,
        application_deadline=(today + timedelta(days=30)).isoformat(),
        first_session=f"{(today + timedelta(days=60)).isoformat()}T10:00",
        sessions=4,
    )
    page.goto(f"{live_server}/courses/{course['id']}/apply?lang={language}")
    page.click("#support-person summary")
    assert page.locator("#support_name").is_visible()
    assert_accessible(axe, page)
    # Errors in the section: it stays open, and every message is tied to its field.
    page.fill("#name", "Aino")
    page.fill("#phone", "12")
    page.fill("#support_name", "Bertta")
    page.check("#messages_to-support_person")
    page.check("#consent")
    page.locator("form.form button[type=submit]").press("Enter")
    page.wait_for_load_state()
    assert page.locator("#support-person").get_attribute("open") is not None
    assert page.locator("#phone-error").is_visible()
    assert page.locator("#support_email-error").is_visible()
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_outbox_page_has_no_axe_violations(
    page, axe, live_server, make_user, participant, language
):
    participant(language)  # a confirmation and a decision in the outbox
    admin = make_user("admin", None)
    page.goto(f"{live_server}/language/{language}?next=/courses")
    sign_in(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server}/planner/outbox")
    assert page.locator(".message-list > li").count() == 2
    page.locator(".message-list details summary").first.click()
    assert_accessible(axe, page)
