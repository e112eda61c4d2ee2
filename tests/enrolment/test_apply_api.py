"""POST /api/v1/courses/{id}/applications: the contract, every bad input, doubles, the limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.audit import AuditEntry
from scheduler.courses.models import Course
from scheduler.enrolment.models import Application, SubmissionThrottle
from scheduler.enrolment.services import applications_open
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from tests.enrolment.conftest import count_rows


def test_apply_returns_201_and_sends_the_personal_link(
    app, apply, closed_course, personal_token, smtp
):
    course = closed_course()
    response = apply(course["id"])
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "status": "submitted"}
    token = personal_token("aino@example.org")
    [message] = smtp.mailbox.to("aino@example.org")
    assert "Liikuntatuokio" in message["Subject"]
    assert "Hei Aino" in smtp.mailbox.body(message)
    with app.app_context():
        stored = db.session.get(Application, body["id"])
        assert stored.region_code == "05" and stored.email == "aino@example.org"
        assert stored.token_hash != token  # only the hash is stored
        entry = db.session.scalar(
            db.select(AuditEntry).where(AuditEntry.action == "application.submit")
        )
        assert "Aino" not in str(entry.changes) and "aino@" not in str(entry.changes)


def test_confirmation_is_in_the_applicants_language(apply, closed_course, smtp, deliver):
    course = closed_course()
    assert apply(course["id"], email="britta@example.org", language="sv").status_code == 201
    deliver()
    [message] = smtp.mailbox.to("britta@example.org")
    assert "Motionsstund" in message["Subject"]
    assert "Hej Aino" in smtp.mailbox.body(message)


def test_phone_only_is_enough_and_sends_a_text_message_not_an_email(app, apply, closed_course):
    course = closed_course()
    response = apply(course["id"], email="", phone="+358 40 123 4567")
    assert response.status_code == 201
    with app.app_context():
        [message] = db.session.scalars(db.select(OutboxMessage)).all()
        assert (message.channel, message.phone, message.recipient) == ("sms", "+358401234567", "")
    # Two phone-only applicants with different numbers are two people.
    assert apply(course["id"], email=None, phone="040 765 4321", name="B").status_code == 201
    assert count_rows(app, OutboxMessage) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"region": "21"}, "region"),  # a region that does not take part
        ({"region": "xx"}, "region"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "", "phone": ""}, "email"),
        ({"email": None, "phone": None}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 42}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"needs": "x" * 2001}, "needs"),
        ({"message": "x" * 2001}, "message"),
        ({"language": "en"}, "language"),
        ({"language": None}, "language"),
        ({"on_behalf": "maybe"}, "on_behalf"),
        ({"name": "Aino\x00"}, "name"),
    ],
)
def test_bad_input_is_422_and_stores_nothing(app, apply, closed_course, changes, field):
    course = closed_course()
    entries = count_rows(app, AuditEntry)
    response = apply(course["id"], **changes)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in problem["errors"], problem
    assert count_rows(app, Application) == 0
    assert count_rows(app, OutboxMessage) == 0
    assert count_rows(app, SubmissionThrottle) == 0
    assert count_rows(app, AuditEntry) == entries


def test_every_problem_is_listed_at_once_in_the_users_language(client, closed_course):
    course = closed_course()
    response = client.post(
        f"/api/v1/courses/{course['id']}/applications",
        json={"name": "", "email": "x", "region": "21", "language": "en", "consent": False},
        headers={"Accept-Language": "sv"},
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) >= {"name", "email", "region", "language", "consent"}
    assert "e-post" in errors["email"][0].lower()


def test_not_json_is_422(client, closed_course):
    course = closed_course()
    response = client.post(f"/api/v1/courses/{course['id']}/applications", data="name=x")
    assert response.status_code == 422
    response = client.post(f"/api/v1/courses/{course['id']}/applications", json=[1, 2])
    assert response.status_code == 422


def test_open_course_is_409(app, apply, make_course):
    course = make_course()
    response = apply(course["id"])
    assert response.status_code == 409
    assert count_rows(app, Application) == 0


def test_unknown_course_is_404(apply):
    assert apply(999999).status_code == 404


def test_deadline_is_the_end_of_the_day_in_helsinki(app, apply, closed_course):
    last_day = closed_course(deadline_in_days=0)
    assert apply(last_day["id"]).status_code == 201
    past = closed_course(deadline_in_days=-1)
    response = apply(past["id"], email="late@example.org")
    assert response.status_code == 409
    assert count_rows(app, Application) == 1


def test_deadline_compares_helsinki_days(app):
    from datetime import UTC, date, datetime

    course = Course(kind="closed", application_deadline=date(2027, 1, 10))
    # 21:59 UTC is 23:59 on the 10th in Helsinki (UTC+2); 22:00 UTC is already the 11th.
    assert applications_open(course, datetime(2027, 1, 10, 21, 59, tzinfo=UTC))
    assert not applications_open(course, datetime(2027, 1, 10, 22, 0, tzinfo=UTC))


def test_same_email_twice_through_the_api_answers_like_a_new_application(
    app, apply, closed_course, smtp, deliver
):
    """The answer never tells a stranger that the address had applied: the API stores the
    second application too (with its own id), and the address owner is told by email."""
    course = closed_course()
    first = apply(course["id"])
    assert first.status_code == 201
    again = apply(course["id"], email="AINO@example.org", name="Aino again")
    assert again.status_code == 201
    assert set(again.get_json()) == set(first.get_json()) == {"id", "status"}
    assert again.get_json()["status"] == "submitted"
    assert again.get_json()["id"] != first.get_json()["id"]
    assert count_rows(app, Application) == 2
    deliver()
    [_, second_email] = smtp.mailbox.to("aino@example.org")
    assert "jo hakemus" in smtp.mailbox.body(second_email)
    # Another course is a new application too.
    other = closed_course()
    assert apply(other["id"]).status_code == 201


def test_planners_see_applications_with_the_same_address_marked(
    app, client, apply, closed_course, make_user
):
    course = closed_course()
    first = apply(course["id"]).get_json()["id"]
    second = apply(course["id"], name="Someone else").get_json()["id"]
    third = apply(course["id"], email="other@example.org").get_json()["id"]
    listed = client.get(
        f"/api/v1/courses/{course['id']}/applications", headers=make_user("planner", "05").headers
    ).get_json()["applications"]
    marks = {a["id"]: a["same_email_as"] for a in listed}
    assert marks == {first: [second], second: [first], third: []}


def test_rate_limit_per_address(app, apply, closed_course):
    app.config["APPLICATION_RATE_LIMIT_PER_HOUR"] = 3
    course = closed_course()
    for number in range(3):
        assert apply(course["id"], email=f"p{number}@example.org").status_code == 201
    response = apply(course["id"], email="p4@example.org")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert count_rows(app, Application) == 3
    # An hour later the address may send again.
    with app.app_context():
        for row in db.session.scalars(db.select(SubmissionThrottle)):
            row.at -= timedelta(hours=1, seconds=1)
        db.session.commit()
    assert apply(course["id"], email="p4@example.org").status_code == 201
    assert count_rows(app, SubmissionThrottle) == 1  # the old rows were forgotten


def test_openapi_documents_the_enrolment_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/courses/{id}/applications",
        "/applications/{id}/decision",
        "/applications/withdraw",
        "/courses/{id}/fill-from-waitlist",
        "/courses/{id}/quotas",
    ):
        assert path in paths
    assert set(paths["/courses/{id}/applications"]) == {"get", "post"}
