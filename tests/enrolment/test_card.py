"""The printable card: participants only, the join link in a QR code and as a short address,
every session, whom to call; queries do not grow with the sessions."""

from __future__ import annotations

import pytest
from markupsafe import escape

from scheduler.enrolment.card import qr_data_uri
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token, short_code
from scheduler.extensions import db


@pytest.fixture
def participant(app, client, apply, closed_course, make_user):
    """participant(sessions) → (token, short code) of an accepted participant."""

    def make(sessions: int = 4, **changes):
        course = closed_course(capacity=3, sessions=sessions)
        application_id = apply(course["id"], **changes).get_json()["id"]
        client.post(
            f"/api/v1/applications/{application_id}/decision",
            json={"status": "accepted"},
            headers=make_user("admin", None).headers,
        )
        with app.app_context():
            application = db.session.get(Application, application_id)
            return personal_token(application), short_code(application)

    return make


def test_the_card_has_the_sessions_the_qr_code_and_whom_to_call(client, participant):
    token, code = participant(sessions=12)
    response = client.get(f"/my/{token}/card")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert page.count("<li>") >= 12  # every session
    assert f"http://localhost/j/{code}" in page  # the short address to type
    assert "Varsinais-Suomen hyvinvointialue" in page  # whom to contact: the home region
    # The QR code is segno's code of the personal join link (the browser test decodes a
    # screenshot of it with zxing-cpp).
    qr = escape(qr_data_uri(f"http://localhost/join/p/{token}"))
    assert f'src="{qr}"' in page
    assert "@page { size: A4" in client.get("/static/css/card.css").get_data(as_text=True)


def test_the_card_is_for_participants_only(app, client, apply, closed_course):
    course = closed_course()
    application_id = apply(course["id"]).get_json()["id"]
    with app.app_context():
        token = personal_token(db.session.get(Application, application_id))
    response = client.get(f"/my/{token}/card")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/my/{token}")
    assert "Kortti on osallistujille" in client.get(f"/my/{token}").get_data(as_text=True)
    assert client.get("/my/not-a-token/card").status_code == 404


def test_the_card_speaks_the_participants_language_and_shows_the_support_person(
    client, participant
):
    token, _ = participant(
        language="sv", support_person={"name": "Dan Stöd", "email": "dan@example.org"}
    )
    page = client.get(f"/my/{token}/card").get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Så här ansluter du" in page and "stödperson: Dan Stöd" in page


def test_card_queries_do_not_grow_with_the_sessions(client, participant, count_queries):
    few, _ = participant(sessions=2)
    many, _ = participant(sessions=12)
    with count_queries() as two:
        client.get(f"/my/{few}/card")
    with count_queries() as twelve:
        client.get(f"/my/{many}/card")
    assert len(twelve) == len(two)


def test_the_personal_page_links_to_the_card(client, participant):
    token, _ = participant()
    page = client.get(f"/my/{token}").get_data(as_text=True)
    assert f'href="/my/{token}/card"' in page


def test_the_qr_code_is_an_image_the_csp_allows(client, participant):
    token, _ = participant()
    response = client.get(f"/my/{token}/card")
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp
    assert 'src="data:image/svg+xml' in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
