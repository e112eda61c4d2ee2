"""Finding 1 of issue 9, end to end: a stranger applies with someone else's address.

Before the fix the form redirected the stranger straight to the new application's
`/my/<token>`, and its `data.json` listed every email ever sent to that address — with
the victim's own /my/, /join/p/ and /calendar/p/ links. Now the personal link is only
emailed, the answer is the same whether or not the address had applied, and a personal
page or export shows exactly one application and its own emails.
"""

from __future__ import annotations

import json
import re

from scheduler.enrolment.models import Application
from scheduler.extensions import db
from tests.enrolment.conftest import application_payload, count_rows

VICTIM = "victim@example.org"
LINK = re.compile(r"http://localhost/(?:my|join/p|calendar/p)/([A-Za-z0-9_\-]+)")
FORM = {
    "name": "Mallory",
    "email": VICTIM,
    "phone": "",
    "region": "05",
    "language": "fi",
    "needs": "",
    "message": "",
    "consent": "yes",
}


def _victims_tokens(smtp) -> set[str]:
    return {
        match
        for message in smtp.mailbox.to(VICTIM)
        for match in LINK.findall(smtp.mailbox.body(message))
    }


def _everything(response) -> str:
    return response.headers.get("Location", "") + response.get_data(as_text=True)


def test_a_stranger_applying_with_someone_elses_address_reads_nothing_of_theirs(
    app, client, make_user, closed_course, smtp, deliver
):
    course = closed_course()
    other_course = closed_course()
    fresh_course = closed_course()
    # The victim applies through the form, is accepted, and also applies to another course.
    victim_form = {
        **FORM,
        "name": "Veera Victim",
        "needs": "Pyörätuoli, kuulolaite",
        "phone": "040 765 4321",
    }
    assert client.post(f"/courses/{course['id']}/apply", data=victim_form).status_code == 303
    victim_id = app_id(app, course["id"])
    admin = make_user("admin", None)
    decided = client.post(
        f"/api/v1/applications/{victim_id}/decision",
        json={"status": "accepted"},
        headers=admin.headers,
    )
    assert decided.status_code == 200
    assert client.post(f"/courses/{other_course['id']}/apply", data=victim_form).status_code == 303
    deliver()
    victims_tokens = _victims_tokens(smtp)
    assert len(victims_tokens) >= 2  # personal, join and calendar links were mailed
    mails_before = len(smtp.mailbox.to(VICTIM))

    # The attacker: a fresh browser, the victim's address, every way in.
    attacker = app.test_client()
    answers = []
    for target in (course, fresh_course):
        answer = attacker.post(f"/courses/{target['id']}/apply", data=FORM)
        assert answer.status_code == 303
        answers += [answer, attacker.get(answer.headers["Location"])]
    api_answer = attacker.post(
        f"/api/v1/courses/{course['id']}/applications",
        json=application_payload(email=VICTIM, name="Mallory"),
    )
    assert api_answer.status_code == 201
    assert set(api_answer.get_json()) == {"id", "status"}
    answers.append(api_answer)
    seen = "".join(_everything(answer) for answer in answers)
    assert "/my/" not in seen and "/join/p/" not in seen and "/calendar/p/" not in seen
    for token in victims_tokens:
        assert token not in seen
    assert "Veera" not in seen and "Pyörätuoli" not in seen and "765 4321" not in seen

    # Every link the attacker's submissions made went to the victim's mailbox only.
    deliver()
    assert len(smtp.mailbox.to(VICTIM)) == mails_before + 3
    assert not [m for m in smtp.mailbox.messages if m["To"] != VICTIM]

    # Even a token of one of those new applications (which only the victim holds) opens
    # exactly that application and its own emails: nothing of the victim's others.
    new_tokens = _victims_tokens(smtp) - victims_tokens
    assert len(new_tokens) == 2  # the fresh course's and the API's applications
    for token in new_tokens:
        export = client.get(f"/my/{token}/data.json")
        assert export.status_code == 200
        text = export.get_data(as_text=True)
        data = json.loads(text)
        assert data["application"]["name"] == "Mallory"
        assert "Pyörätuoli" not in text and "765 4321" not in text and "Veera" not in text
        for old in victims_tokens:
            assert old not in text
        assert {e["kind"] for e in data["emails"]} <= {"enrolment.received"}
        assert len(data["emails"]) == 1
        page = client.get(f"/my/{token}").get_data(as_text=True)
        assert "Veera" not in page and "Pyörätuoli" not in page

    # The victim's own application is untouched and still theirs.
    with app.app_context():
        victim = db.session.get(Application, victim_id)
        assert (victim.name, victim.status, victim.needs) == (
            "Veera Victim",
            "accepted",
            "Pyörätuoli, kuulolaite",
        )
    assert count_rows(app, Application) == 4  # the victim's two, the fresh course, the API's


def test_the_form_answers_the_same_whether_or_not_the_address_applied(
    app, closed_course, smtp, deliver
):
    """Membership of a (disability) course is not told to whoever types an address."""
    course = closed_course()
    first = app.test_client()
    known = first.post(f"/courses/{course['id']}/apply", data=FORM)
    stranger = app.test_client()
    again = stranger.post(f"/courses/{course['id']}/apply", data=FORM)
    unknown = stranger.post(
        f"/courses/{course['id']}/apply", data={**FORM, "email": "someone.new@example.org"}
    )
    assert known.status_code == again.status_code == unknown.status_code == 303
    assert known.headers["Location"] == again.headers["Location"] == unknown.headers["Location"]
    pages = [stranger.get(answer.headers["Location"]) for answer in (again, unknown)]
    assert pages[0].get_data() == pages[1].get_data()
    # The address owner is told, with the existing link, at most once an hour.
    for _ in range(3):
        stranger.post(f"/courses/{course['id']}/apply", data=FORM)
    deliver()
    bodies = [smtp.mailbox.body(m) for m in smtp.mailbox.to(VICTIM)]
    assert len(bodies) == 2  # the confirmation and one "you already applied"
    [existing_link] = set(LINK.findall(bodies[0]))
    assert existing_link in bodies[1]


def app_id(app, course_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(Application.id).where(
                Application.course_id == course_id, Application.email == VICTIM
            )
        )
