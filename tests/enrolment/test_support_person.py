"""The applicant's channel and the support person as a party of their own: one validation for
the API and the form, numbers in E.164, details encrypted at rest, shown to the planner,
messages by each person's own channel, one seat together, in the export, gone after purge."""

from __future__ import annotations

import pytest
from sqlalchemy import Text, type_coerce

from scheduler.enrolment.models import Application, SupportPerson
from scheduler.enrolment.tokens import assign_new_token, personal_token, short_code
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from tests.enrolment.conftest import application_payload, count_rows
from tests.enrolment.test_privacy import _end_course

SUPPORT = {
    "name": "Bertta Tukija",
    "email": "bertta@example.org",
    "phone": "050 765 4321",
    "relation": "tytär",
}


@pytest.fixture
def app_overrides(sms_app_overrides, mail_app_overrides):
    return {**mail_app_overrides, **sms_app_overrides, "APPLICATION_RATE_LIMIT_PER_HOUR": 1000}


def _problems(response, language: str = "fi") -> dict:
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()["errors"]


@pytest.mark.parametrize(
    ("changes", "field", "finnish"),
    [
        ({"phone": "12"}, "phone", "Tarkista puhelinnumero"),
        ({"phone": "040 123 45678 9"}, "phone", "Tarkista puhelinnumero"),
        ({"phone": "abc"}, "phone", "Tarkista puhelinnumero"),
        ({"phone": "", "contact": "sms"}, "phone", "matkapuhelinnumero"),
        ({"email": "", "phone": "09 1234 567", "contact": "sms"}, "phone", "ei voi lähettää"),
        ({"email": "", "contact": "email"}, "email", "Anna sähköpostiosoite"),
        ({"contact": "pigeon"}, "contact", "Valitse sähköposti tai tekstiviesti"),
        ({"messages_to": "support_person"}, "messages_to", "tukihenkilön tiedot"),
        ({"messages_to": "everyone"}, "messages_to", "Valitse, kuka saa viestit"),
        ({"support_person": "Bertta"}, "support_person", "Tarkista tukihenkilön tiedot"),
        ({"support_person": {"email": "b@example.org"}}, "support_person.name", "nimi"),
        (
            {"support_person": {"name": "B", "phone": "1"}},
            "support_person.phone",
            "Tarkista puhelinnumero",
        ),
        (
            {"messages_to": "both", "support_person": {"name": "B"}},
            "support_person.email",
            "tukihenkilön sähköpostiosoite tai puhelinnumero",
        ),
        (
            {
                "messages_to": "both",
                "support_person": {"name": "B", "email": "b@example.org", "contact": "sms"},
            },
            "support_person.phone",
            "matkapuhelinnumero",
        ),
    ],
)
def test_bad_contact_details_are_422_in_the_users_language(
    client, closed_course, changes, field, finnish
):

    course = closed_course()
    url = f"/api/v1/courses/{course['id']}/applications"
    errors = _problems(client.post(url, json=application_payload(**changes)))
    assert field in errors, errors
    assert finnish in " ".join(errors[field])
    swedish = client.post(
        url, json=application_payload(**changes), headers={"Accept-Language": "sv"}
    )
    assert swedish.status_code == 422
    assert finnish not in " ".join(swedish.get_json()["errors"][field])


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("040 123 4567", "+358401234567"),
        ("0401234567", "+358401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("040-123 4567", "+358401234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_numbers_in_national_or_international_form_are_stored_as_e164(
    app, apply, closed_course, given, stored
):
    course = closed_course()
    application_id = apply(course["id"], phone=given).get_json()["id"]
    with app.app_context():
        assert db.session.get(Application, application_id).phone == stored


def test_only_a_phone_means_text_messages(app, apply, closed_course):
    course = closed_course()
    application_id = apply(course["id"], email="", phone="040 123 4567").get_json()["id"]
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert (application.contact, application.messages_to) == ("sms", "applicant")
        assert application.phone_hash and "4567" not in application.phone_hash


def test_the_support_person_is_stored_encrypted_and_shown_to_the_planner(
    app, client, apply, closed_course, make_user, count_queries
):
    course = closed_course(capacity=5)
    response = apply(
        course["id"], email="", phone="040 123 4567", support_person=SUPPORT, messages_to="both"
    )
    assert response.status_code == 201
    application_id = response.get_json()["id"]
    with app.app_context():
        raw = db.session.execute(
            db.select(
                *(
                    type_coerce(SupportPerson.__table__.c[column], Text)
                    for column in ("name", "email", "phone", "relation")
                )
            )
        ).one()
        assert all(value.startswith("gAAAAA") for value in raw)
        assert not any(secret in repr(raw) for secret in ("Bertta", "bertta@", "765", "tytär"))
    planner = make_user("planner", "05")
    listed = client.get(
        f"/api/v1/courses/{course['id']}/applications", headers=planner.headers
    ).get_json()["applications"]
    [mine] = [a for a in listed if a["id"] == application_id]
    assert mine["contact"] == "sms" and mine["messages_to"] == "both"
    assert mine["support_person"] == {
        "name": "Bertta Tukija",
        "email": "bertta@example.org",
        "phone": "+358507654321",
        "relation": "tytär",
        "contact": "email",
    }
    # The selection page shows them, without a query per applicant.
    client.post("/sign-in", data={"email": planner.email, "password": "correct horse battery"})
    page = client.get(f"/planner/courses/{course['id']}/applications").get_data(as_text=True)
    assert "Bertta Tukija" in page and "tytär" in page and "+358507654321" in page
    for n in range(4):
        apply(course["id"], email=f"x{n}@example.org", support_person={**SUPPORT, "name": f"S{n}"})
    with count_queries() as many:
        client.get(f"/planner/courses/{course['id']}/applications")
    apply(course["id"], email="y@example.org", support_person=SUPPORT)
    with count_queries() as more:
        client.get(f"/planner/courses/{course['id']}/applications")
    assert len(more) == len(many), "\n".join(more)


def test_messages_go_to_each_person_by_their_own_channel(
    app, client, apply, closed_course, make_user, smtp, gateway, deliver
):
    course = closed_course(capacity=1)
    # The applicant has only a phone; the support person gets the messages by email too.
    first = apply(
        course["id"],
        name="Aino Asiakas",
        email="",
        phone="040 123 4567",
        support_person=SUPPORT,
        messages_to="both",
    ).get_json()["id"]
    # Messages only to the support person, by text message; the client has no contact at all.
    second = apply(
        course["id"],
        name="Cecilia Klient",
        email="",
        phone="",
        language="sv",
        support_person={"name": "Dan Stöd", "phone": "050 111 2233", "contact": "sms"},
        messages_to="support_person",
    ).get_json()["id"]
    deliver()
    [to_aino] = gateway.to(358401234567)
    assert "Etäpäivä: saimme hakemuksen" in to_aino.message
    [to_bertta] = smtp.mailbox.to("bertta@example.org")
    body = smtp.mailbox.body(to_bertta)
    assert body.replace("\r\n", "\n").startswith(
        "Hei Bertta Tukija,\nSaat tämän viestin, koska olet henkilön Aino Asiakas tukihenkilö."
    )
    assert "/my/" in body
    [to_dan] = gateway.to(358501112233)
    assert to_dan.message.startswith("Till stödpersonen för Cecilia Klient:\nEtäpäivä: vi har")
    # One seat together: accepting the first fills the only place.
    planner = make_user("planner", "05")
    decide = f"/api/v1/applications/{first}/decision"
    accepted = client.post(decide, json={"status": "accepted"}, headers=planner.headers)
    assert accepted.status_code == 200
    refused = client.post(
        f"/api/v1/applications/{second}/decision",
        json={"status": "accepted"},
        headers=planner.headers,
    )
    assert refused.status_code == 409
    deliver()
    assert len(gateway.to(358401234567)) == 2
    assert "/j/" in gateway.to(358401234567)[-1].message
    [_, accepted_mail] = smtp.mailbox.to("bertta@example.org")
    assert "/my/" in smtp.mailbox.body(accepted_mail)
    assert "/card" in smtp.mailbox.body(accepted_mail)  # the printable card


def test_the_form_and_the_api_share_one_validation(app, client, closed_course):
    course = closed_course()
    form = {
        "name": "Aino Asiakas",
        "email": "",
        "phone": "",
        "region": "05",
        "language": "fi",
        "consent": "yes",
        "support_name": "Bertta Tukija",
        "support_relation": "tytär",
        "support_phone": "050 765 4321",
        "support_contact": "sms",
        "messages_to": "support_person",
    }
    response = client.post(f"/courses/{course['id']}/apply", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    assert response.headers["Location"].endswith("contact=sms")
    with app.app_context():
        application = db.session.scalar(db.select(Application))
        support = application.support_person
        assert (support.name, support.phone, support.contact) == (
            "Bertta Tukija",
            "+358507654321",
            "sms",
        )
        assert application.on_behalf is True and application.messages_to == "support_person"
    # The same rule as the API, under the form's own field name, in the page's language.
    bad = client.post(
        f"/courses/{course['id']}/apply?lang=sv",
        data={**form, "support_phone": "12"},
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="support_phone-error"' in page and "Kontrollera telefonnumret" in page
    assert '<details class="optional-section" id="support-person" open>' in page


def test_a_phone_only_applicant_who_applies_again_gets_their_link_by_text_message(
    app, client, closed_course, gateway, deliver
):
    course = closed_course()
    form = {"name": "Aino", "phone": "040 123 4567", "region": "05", "language": "fi"}
    form["consent"] = "yes"
    assert client.post(f"/courses/{course['id']}/apply", data=form).status_code == 303
    again = client.post(
        f"/courses/{course['id']}/apply", data={**form, "phone": "+358401234567", "name": "X"}
    )
    assert again.status_code == 303  # the same answer: nobody learns who applied
    assert count_rows(app, Application) == 1
    deliver()
    messages = [sms.message for sms in gateway.to(358401234567)]
    assert len(messages) == 2 and "joku haki uudelleen" in messages[1]


def test_export_has_the_support_person_and_purge_removes_them(
    app, client, runner, apply, closed_course, gateway, deliver
):
    import json

    course = closed_course()
    application_id = apply(
        course["id"], phone="040 123 4567", contact="sms", support_person=SUPPORT
    ).get_json()["id"]
    deliver()
    with app.app_context():
        token = personal_token(db.session.get(Application, application_id))
    data = json.loads(client.get(f"/my/{token}/data.json").get_data(as_text=True))
    assert data["application"]["support_person"]["name"] == "Bertta Tukija"
    assert data["application"]["contact"] == "sms"
    [sent] = data["emails"]
    assert (sent["channel"], sent["to"]) == ("sms", "+358401234567")
    assert "/m/[removed]" in sent["body"]  # the stored copy has no working short link
    _end_course(app, course["id"], days_ago=181)
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    with app.app_context():
        purged = db.session.get(Application, application_id)
        assert purged.support_person is None and purged.phone_hash is None
        assert purged.short_hash is None
        assert count_rows(app, SupportPerson) == 0
        assert (
            db.session.scalar(
                db.select(db.func.count()).where(OutboxMessage.application_id == application_id)
            )
            == 0
        )


def test_short_links_lead_to_the_personal_and_join_pages(app, client, apply, closed_course):
    course = closed_course()
    application_id = apply(course["id"]).get_json()["id"]
    with app.app_context():
        application = db.session.get(Application, application_id)
        code, token = short_code(application), personal_token(application)
        stored = application.short_hash
    assert len(code) == 22 and code.isalnum() and code not in stored  # only its hash
    personal = client.get(f"/m/{code}")
    assert personal.status_code == 302
    assert personal.headers["Location"].endswith(f"/my/{token}")
    assert personal.headers["Cache-Control"] == "no-store"
    assert personal.headers["Referrer-Policy"] == "no-referrer"
    join = client.get(f"/j/{code}")
    assert join.status_code == 302 and join.headers["Location"].endswith(f"/join/p/{token}")
    for wrong in (code[:-1] + ("A" if code[-1] != "A" else "B"), code[:-1], "x" * 200, "a-b"):
        assert client.get(f"/m/{wrong}").status_code == 404
        assert client.get(f"/j/{wrong}").status_code == 404


def test_a_new_link_revokes_the_old_short_link(app, client, apply, closed_course):
    course = closed_course()
    application_id = apply(course["id"]).get_json()["id"]
    with app.app_context():
        application = db.session.get(Application, application_id)
        old = short_code(application)
        assign_new_token(application)
        db.session.commit()
        new = short_code(application)
    assert old != new
    assert client.get(f"/m/{old}").status_code == 404
    assert client.get(f"/m/{new}").status_code == 302
