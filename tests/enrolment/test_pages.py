"""Client pages (form, personal page, withdrawal, data download) and the staff selection page."""

from __future__ import annotations

import json
from datetime import timedelta

from scheduler.courses.models import Course
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.enrolment.conftest import count_rows, statuses, today

FORM = {
    "name": "Aino Asiakas",
    "email": "aino@example.org",
    "phone": "",
    "region": "05",
    "language": "fi",
    "needs": "",
    "message": "",
    "consent": "yes",
}


def _sign_in(client, staff) -> None:
    response = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302


def test_apply_button_only_for_closed_courses_before_the_deadline(app, closed_course, make_course):
    """The include that courses/detail.html puts in its course_actions block."""
    from flask import render_template

    open_now = closed_course()
    past = closed_course(deadline_in_days=-1)
    open_group = make_course()
    with app.test_request_context("/"):

        def button(course_id: int) -> str:
            course = db.session.get(Course, course_id)
            return render_template("enrolment/_apply_button.html", course=course)

        assert f'href="/courses/{open_now["id"]}/apply"' in button(open_now["id"])
        assert "Hae kurssille" in button(open_now["id"])
        assert button(past["id"]).strip() == ""
        assert button(open_group["id"]).strip() == ""


def test_course_page_links_to_the_form_only_while_open(client, closed_course, make_course):
    course = closed_course()
    response = client.get(f"/courses/{course['id']}")
    assert response.status_code == 200
    assert f"/courses/{course['id']}/apply" in response.get_data(as_text=True)
    past = closed_course(deadline_in_days=-1)
    page = client.get(f"/courses/{past['id']}").get_data(as_text=True)
    assert f"/courses/{past['id']}/apply" not in page
    open_course = make_course()
    assert "/apply" not in client.get(f"/courses/{open_course['id']}").get_data(as_text=True)


def test_form_in_finnish_and_swedish(client, closed_course):
    course = closed_course()
    fi = client.get(f"/courses/{course['id']}/apply?lang=fi")
    assert fi.status_code == 200
    text = fi.get_data(as_text=True)
    assert 'lang="fi"' in text and "Hae kurssille" in text
    sv = client.get(f"/courses/{course['id']}/apply?lang=sv").get_data(as_text=True)
    assert 'lang="sv"' in sv and "Ansök" in sv
    # Only the participating regions are offered.
    assert 'value="05"' in sv and 'value="21"' not in sv


def test_form_errors_are_shown_per_field_and_nothing_is_stored(app, client, closed_course):
    course = closed_course()
    response = client.post(
        f"/courses/{course['id']}/apply?lang=sv",
        data={**FORM, "email": "nope", "consent": "", "name": ""},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert 'id="email-error"' in page and 'id="name-error"' in page
    assert 'id="consent-error"' in page
    assert 'aria-invalid="true"' in page
    assert "e-post" in page.lower()
    assert 'value="nope"' in page  # what was typed is kept
    assert count_rows(app, Application) == 0 and count_rows(app, OutboxMessage) == 0


def test_form_submission_asks_to_check_email_and_mails_the_link(
    app, client, closed_course, personal_token, smtp
):
    course = closed_course()
    response = client.post(f"/courses/{course['id']}/apply", data=FORM)
    assert response.status_code == 303
    # The personal link is never in the answer: only in the email.
    location = response.headers["Location"]
    assert location.endswith(f"/courses/{course['id']}/apply/sent?contact=email")
    sent = client.get(location)
    assert sent.status_code == 200 and sent.headers["Cache-Control"] == "no-store"
    assert "Katso sähköpostisi" in sent.get_data(as_text=True)
    token = personal_token("aino@example.org")
    assert token not in location and token not in sent.get_data(as_text=True)
    page = client.get(f"/my/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Aino Asiakas" in page.get_data(as_text=True)
    # Sending the form again answers exactly the same, stores nothing, and emails the
    # address its existing link.
    again = client.post(f"/courses/{course['id']}/apply", data=FORM)
    assert again.status_code == 303 and again.headers["Location"] == location
    assert count_rows(app, Application) == 1
    assert personal_token("aino@example.org") == token
    assert len(smtp.mailbox.to("aino@example.org")) == 2


def test_phone_only_applicant_is_told_to_look_at_their_phone(app, client, closed_course):
    course = closed_course()
    response = client.post(
        f"/courses/{course['id']}/apply", data={**FORM, "email": "", "phone": "040 123 4567"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("contact=sms")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "tekstiviestin" in page
    assert count_rows(app, Application) == 1


def test_without_text_messages_a_phone_only_applicant_is_called(app, client, closed_course):
    app.config["SMS_PROVIDER"] = "none"
    course = closed_course()
    form = client.get(f"/courses/{course['id']}/apply").get_data(as_text=True)
    assert 'name="contact"' not in form  # no text-message choice is offered
    response = client.post(
        f"/courses/{course['id']}/apply", data={**FORM, "email": "", "phone": "040 123 4567"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("contact=phone")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "soittaa" in page
    assert count_rows(app, Application) == 1
    assert count_rows(app, OutboxMessage) == 0
    refused = client.post(
        f"/courses/{course['id']}/apply",
        data={**FORM, "email": "", "phone": "040 123 4568", "contact": "sms"},
    )
    assert refused.status_code == 422
    assert "tekstiviestejä" in refused.get_data(as_text=True)


def test_form_for_closed_application_time(client, closed_course, make_course):
    past = closed_course(deadline_in_days=-1)
    assert client.get(f"/courses/{past['id']}/apply").status_code == 200
    assert client.post(f"/courses/{past['id']}/apply", data=FORM).status_code == 409
    open_course = make_course()
    assert client.post(f"/courses/{open_course['id']}/apply", data=FORM).status_code == 409


def test_personal_page_speaks_the_applicants_language(client, closed_course, apply, personal_token):
    course = closed_course()
    apply(course["id"], email="britta@example.org", language="sv")
    token = personal_token("britta@example.org")
    page = client.get(f"/my/{token}").get_data(as_text=True)
    assert '<html lang="sv">' in page
    chosen = client.get(f"/my/{token}?lang=fi").get_data(as_text=True)
    assert '<html lang="fi">' in chosen


def test_withdraw_with_a_confirmation_step(
    app, client, make_user, closed_course, apply, personal_token
):
    course = closed_course()
    application_id = apply(course["id"]).get_json()["id"]
    client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": "accepted"},
        headers=make_user("planner", "05").headers,
    )
    token = personal_token("aino@example.org")
    page = client.get(f"/my/{token}").get_data(as_text=True)
    assert f"/join/p/{token}" in page and f"/calendar/p/{token}.ics" in page
    confirm = client.get(f"/my/{token}/withdraw")
    assert confirm.status_code == 200
    assert statuses(app, course["id"])["aino@example.org"] == "accepted"  # a GET changes nothing
    done = client.post(f"/my/{token}/withdraw")
    assert done.status_code == 303
    assert statuses(app, course["id"])["aino@example.org"] == "withdrawn"
    after = client.get(f"/my/{token}")
    assert after.status_code == 200
    text = after.get_data(as_text=True)
    assert "peruttu" in text
    assert f"/join/p/{token}" not in text and "/withdraw" not in text
    assert client.get(f"/my/{token}/data.json").status_code == 200


def test_unknown_link_is_a_kind_404(client):
    response = client.get("/my/not-a-real-token")
    assert response.status_code == 404
    assert "Linkki ei toimi" in response.get_data(as_text=True)
    assert client.get("/my/not-a-real-token/data.json").status_code == 404
    assert client.post("/my/not-a-real-token/withdraw").status_code == 404


def test_data_download_has_everything_stored(
    app, client, make_user, closed_course, apply, personal_token
):
    course = closed_course()
    application_id = apply(course["id"], on_behalf=True).get_json()["id"]
    planner = make_user("planner", "05")
    client.get(f"/api/v1/courses/{course['id']}/applications", headers=planner.headers)
    client.post(
        f"/api/v1/applications/{application_id}/decision",
        json={"status": "waitlisted"},
        headers=planner.headers,
    )
    token = personal_token("aino@example.org")
    response = client.get(f"/my/{token}/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    mine = data["application"]
    assert mine["name"] == "Aino Asiakas" and mine["email"] == "aino@example.org"
    assert mine["phone"] == "+358401234567" and mine["needs"] == "Isompi teksti"
    assert mine["message"] == "Odotan innolla" and mine["on_behalf"] is True
    assert mine["status"] == "waitlisted" and mine["consent_at"]
    assert [(h["from"], h["to"], h["by"]) for h in data["history"]] == [
        (None, "submitted", "applicant"),
        ("submitted", "waitlisted", "planner"),
    ]
    assert [v["by"] for v in data["viewed_by"]] == ["planner"]
    assert [e["kind"] for e in data["emails"]] == ["enrolment.received", "enrolment.waitlisted"]
    with app.app_context():
        stored = db.session.get(Application, application_id)
        columns = {c.key for c in Application.__table__.columns}
        # Every stored column is in the download, except the links' secret parts and the
        # keyed hash of the phone number (the number itself is in the download).
        exported = set(mine) | {
            "course_id",
            "region_code",
            "token_nonce",
            "token_hash",
            "short_hash",
            "phone_hash",
        }
        assert columns <= exported | {"course"}, columns - exported
        assert stored is not None


def test_selection_page_shows_only_own_region(app, client, make_user, closed_course, apply):
    course = closed_course()
    apply(course["id"], email="own@example.org", name="Oma Hakija", region="05")
    apply(course["id"], email="other@example.org", name="Muu Hakija", region="14")
    planner = make_user("planner", "05")
    _sign_in(client, planner)
    page = client.get(f"/planner/courses/{course['id']}/applications")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Oma Hakija" in text and "Muu Hakija" not in text
    assert "other@example.org" not in text
    overview = client.get("/planner/applications").get_data(as_text=True)
    assert f"/planner/courses/{course['id']}/applications" in overview
    # Another region's planner cannot open the page of a course it has no part in.
    client.post("/sign-out")
    _sign_in(client, make_user("planner", "21"))
    assert client.get(f"/planner/courses/{course['id']}/applications").status_code == 403


def test_selection_page_decides_and_sets_quotas(app, client, make_user, closed_course, apply):
    course = closed_course(capacity=2)
    own = apply(course["id"], email="own@example.org", region="05").get_json()["id"]
    other = apply(course["id"], email="other@example.org", region="14").get_json()["id"]
    planner = make_user("planner", "05")
    _sign_in(client, planner)
    response = client.post(f"/planner/applications/{own}/decision", data={"status": "accepted"})
    assert response.status_code == 303
    assert statuses(app, course["id"])["own@example.org"] == "accepted"
    assert (
        client.post(
            f"/planner/applications/{other}/decision", data={"status": "accepted"}
        ).status_code
        == 403
    )
    assert statuses(app, course["id"])["other@example.org"] == "submitted"
    page = client.get(f"/planner/courses/{course['id']}/applications").get_data(as_text=True)
    assert 'name="quota_05"' in page and 'name="quota_14"' not in page  # own share only
    quotas = client.post(f"/planner/courses/{course['id']}/quotas", data={"quota_05": "1"})
    assert quotas.status_code == 303
    bad = client.post(f"/planner/courses/{course['id']}/quotas", data={"quota_05": "x"})
    assert bad.status_code == 422
    assert 'id="quota_05-error"' in bad.get_data(as_text=True)
    # Another region's share cannot be set from here either.
    other_region = client.post(
        f"/planner/courses/{course['id']}/quotas", data={"quota_05": "1", "quota_14": "0"}
    )
    assert other_region.status_code == 303
    with app.app_context():
        stored = db.session.get(Course, course["id"])
        assert {p.region_code: p.seat_quota for p in stored.participations} == {
            "03": None,
            "05": 1,
            "14": None,
        }


def test_fill_button_after_deadline(app, client, make_user, closed_course, apply):
    course = closed_course(capacity=1)
    waiting = apply(course["id"]).get_json()["id"]
    planner = make_user("planner", "05")
    client.post(
        f"/api/v1/applications/{waiting}/decision",
        json={"status": "waitlisted"},
        headers=planner.headers,
    )
    with app.app_context():
        db.session.get(Course, course["id"]).application_deadline = today() - timedelta(days=1)
        db.session.commit()
    _sign_in(client, planner)
    page = client.get(f"/planner/courses/{course['id']}/applications").get_data(as_text=True)
    assert f"/planner/courses/{course['id']}/fill-from-waitlist" in page
    response = client.post(f"/planner/courses/{course['id']}/fill-from-waitlist")
    assert response.status_code == 303
    assert statuses(app, course["id"])["aino@example.org"] == "accepted"
