"""BigBlueButton telephone dial-in: the create call passes dialNumber and the course's
voiceBridge to the (loopback stand-in) BBB server, and the number and PIN are shown wherever
the join link is: the join page, the personal page, the card, the emails and the text
messages (acceptance, reminder, changes)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token
from scheduler.extensions import db
from scheduler.followup.reminders import send_reminders
from scheduler.meetings.dialin import voice_bridge
from scheduler.notify.models import OutboxMessage
from scheduler.notify.sms import measure
from tests.meetings.fake_bbb import FakeBBB
from tests.meetings.helpers import only_session_now

SECRET = "bbb-shared-secret-0123456789abcdef"
NUMBER = "+358 9 1234 5678"
BBB = {"provider": "bigbluebutton"}


@pytest.fixture
def bbb() -> Iterator[FakeBBB]:
    with FakeBBB(SECRET) as server:
        yield server


@pytest.fixture
def app_overrides(mail_app_overrides, sms_app_overrides, bbb):
    return {
        **mail_app_overrides,
        **sms_app_overrides,
        "APPLICATION_RATE_LIMIT_PER_HOUR": 1000,
        "BBB_URL": bbb.url,
        "BBB_SECRET": SECRET,
        "BBB_DIAL_NUMBER": NUMBER,
    }


def accepted(app, client, apply, course_id, make_user) -> str:
    application_id = apply(course_id).get_json()["id"]
    response = client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": "accepted"},
        headers=make_user("admin", None).headers,
    )
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        return personal_token(db.session.get(Application, application_id))


def test_dial_in_is_created_with_the_meeting_and_shown_with_every_join_link(
    app, client, bbb, apply, closed_course, make_user, smtp, deliver
):
    course = closed_course(capacity=3, meeting=BBB)
    pin = voice_bridge(course["id"], SECRET)
    token = accepted(app, client, apply, course["id"], make_user)
    sentence = f"{NUMBER} ja anna PIN-koodi {pin}"

    deliver()
    mail = smtp.mailbox.body(smtp.mailbox.to("aino@example.org")[-1])
    assert f"Liity puhelimella: soita numeroon {sentence}" in mail
    assert sentence in client.get(f"/my/{token}").get_data(as_text=True)
    assert sentence in client.get(f"/my/{token}/card").get_data(as_text=True)

    only_session_now(app, course, timedelta(hours=2))
    with app.app_context():
        assert send_reminders().queued == 1
    deliver()
    reminder = smtp.mailbox.body(smtp.mailbox.to("aino@example.org")[-1])
    assert "Muistutus" in smtp.mailbox.to("aino@example.org")[-1]["Subject"]
    assert sentence in reminder

    only_session_now(app, course, timedelta(minutes=5))
    assert sentence in client.get(f"/join/p/{token}").get_data(as_text=True)
    assert client.get(f"/join/p/{token}/go").status_code == 302
    (create,) = [c for c in bbb.calls_to("create") if c.checksum_ok]
    assert create.params["voiceBridge"] == pin and create.params["dialNumber"] == NUMBER


def test_no_dial_in_without_a_number_or_for_other_providers(app, client, bbb, make_course):
    app.config["BBB_DIAL_NUMBER"] = None
    course = make_course(meeting=BBB)
    only_session_now(app, course, timedelta(minutes=5))
    assert "PIN" not in client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert client.get(f"/join/{course['id']}/go").status_code == 302
    assert "voiceBridge" not in bbb.calls_to("create")[0].params

    app.config["BBB_DIAL_NUMBER"] = NUMBER
    static = make_course()
    only_session_now(app, static, timedelta(minutes=5))
    assert "PIN" not in client.get(f"/join/{static['id']}").get_data(as_text=True)
    page = client.get(f"/join/{course['id']}").get_data(as_text=True)
    assert f"{NUMBER} ja anna PIN-koodi {voice_bridge(course['id'], SECRET)}" in page


def test_pins_are_five_digits_and_differ_between_courses():
    pins = [voice_bridge(course_id, SECRET) for course_id in range(1, 90_001)]
    assert len(set(pins)) == 90_000
    assert all(len(pin) == 5 and pin.isdigit() for pin in pins)


def test_pins_cannot_be_worked_out_without_the_bbb_secret():
    """Course ids are public; a closed course's PIN must not follow from its id, nor from the
    PINs of neighbouring courses, and another BBB secret gives other PINs."""
    pins = [int(voice_bridge(course_id, SECRET)) for course_id in range(1, 2_001)]
    steps = {b - a for a, b in itertools.pairwise(pins)}
    assert len(steps) > 1_500  # no fixed step (an affine map would have one)
    other = [int(voice_bridge(course_id, "another-secret")) for course_id in range(1, 2_001)]
    assert sum(a == b for a, b in zip(pins, other, strict=True)) < 10


def test_text_messages_give_the_dial_in_before_the_join_link(
    app, client, bbb, apply, closed_course, make_user
):
    """A client with only a phone gets the number and PIN in every text message that carries
    a join link, on a line before it, so the link stays last and whole; all within 3 segments."""
    course = closed_course(capacity=3, meeting=BBB, sessions=3)
    pin = voice_bridge(course["id"], SECRET)
    planner = make_user("planner", "05")
    application_id = apply(
        course["id"], email="", phone="040 123 4567", contact="sms", language="sv"
    ).get_json()["id"]
    decided = client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": "accepted"},
        headers=planner.headers,
    )
    assert decided.status_code == 200, decided.get_json()
    only_session_now(app, course, timedelta(hours=2))
    with app.app_context():
        assert send_reminders().queued == 1
    later = course["sessions"][-1]
    moved = client.patch(
        f"/api/v1/sessions/{later['id']}",
        json={
            "starts_at": (
                datetime.fromisoformat(later["starts_at"]) + timedelta(hours=1)
            ).isoformat()
        },
        headers=planner.headers,
    )
    assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        texts = {
            message.kind: message.body
            for message in db.session.scalars(
                db.select(OutboxMessage).where(OutboxMessage.channel == "sms")
            )
        }
    line = f"Telefon: {NUMBER}, PIN {pin}"
    for kind in ("enrolment.accepted", "followup.reminder", "lifecycle.session_moved"):
        body = texts[kind]
        lines = body.splitlines()
        assert line in lines, (kind, body)
        assert lines[lines.index(line) + 1].startswith("Anslut:"), (kind, body)
        assert measure(body).segments <= 3, (kind, body)
    assert "PIN" not in texts["enrolment.received"]  # no join link yet: no dial-in either
