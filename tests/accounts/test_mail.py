"""Invitation and reset emails as a real SMTP server receives them, in Finnish and Swedish."""

from __future__ import annotations

import pytest

from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import deliver_pending
from tests.accounts.conftest import link_in


@pytest.fixture
def app_overrides(mail_app_overrides):
    return {**mail_app_overrides, "PUBLIC_BASE_URL": "https://etapaiva.example.fi"}


def _deliver(app) -> None:
    with app.app_context():
        report = deliver_pending()
    assert report.failed == 0


INVITATION = {
    "fi": (
        "Tilisi Etäpäivässä",
        [
            "Hei Maija,",
            "Roolisi: Ohjaaja",
            "Alueesi: Varsinais-Suomen hyvinvointialue",
            "Aseta salasanasi tällä linkillä. Linkki toimii kerran ja on voimassa",
            "Kirjaudu sitten sisään sähköpostiosoitteellasi maija@example.org täällä:",
            "https://etapaiva.example.fi/sign-in",
        ],
    ),
    "sv": (
        "Ditt konto i Etäpäivä",
        [
            "Hej Maija,",
            "Din roll: Handledare",
            "Ditt område: Egentliga Finlands välfärdsområde",
            "Välj ditt lösenord med den här länken. Länken fungerar en gång och gäller till",
            "Logga sedan in med din e-postadress maija@example.org här:",
        ],
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_invitation_email_in_the_invitees_language(app, client, make_user, smtp, language):
    planner = make_user("planner", "05")
    response = client.post(
        "/api/v1/users",
        json={
            "email": "maija@example.org",
            "role": "facilitator",
            "name": "Maija",
            "language": language,
        },
        headers={**planner.headers, "Accept-Language": "sv" if language == "fi" else "fi"},
    )
    assert response.status_code == 201
    _deliver(app)
    [message] = smtp.mailbox.to("maija@example.org")
    subject, lines = INVITATION[language]
    assert message["Subject"] == subject
    assert message["Content-Language"] == language
    body = smtp.mailbox.body(message)
    for line in lines:
        assert line in body, (line, body)
    token = link_in(body)
    assert f"https://etapaiva.example.fi/account/set-password/{token}" in body
    assert client.get(f"/account/set-password/{token}").status_code == 200
    # The delivered copy kept in the database no longer holds a working link.
    with app.app_context():
        stored = db.session.scalar(db.select(OutboxMessage))
        assert stored.sent_at is not None and token not in stored.body
        assert "/account/set-password/[removed]" in stored.body


RESET = {
    "fi": (
        "Aseta uusi salasana Etäpäivään",
        "Joku pyysi uutta salasanaa tämän sähköpostiosoitteen",
    ),
    "sv": (
        "Välj ett nytt lösenord för Etäpäivä",
        "Någon bad om ett nytt lösenord för Etäpäivä-kontot",
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_reset_email_in_the_users_language(app, client, make_user, smtp, language):
    planner = make_user("planner", "05", language=language)
    # The page is in the other language: the email follows the user's own.
    other = "sv" if language == "fi" else "fi"
    assert (
        client.post(f"/sign-in/forgot?lang={other}", data={"email": planner.email}).status_code
        == 200
    )
    _deliver(app)
    [message] = smtp.mailbox.to(planner.email)
    subject, first_line = RESET[language]
    assert message["Subject"] == subject
    body = smtp.mailbox.body(message)
    assert first_line in body
    token = link_in(body)
    assert client.get(f"/account/set-password/{token}").status_code == 200
