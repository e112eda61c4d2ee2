"""`flask privacy purge`: anonymise applications of courses that ended long enough ago."""

from __future__ import annotations

from datetime import timedelta

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import find_by_token
from scheduler.enrolment.tokens import personal_token as derive
from scheduler.extensions import db
from scheduler.followup.mailing import queue_email_once
from scheduler.notify.models import OutboxMessage


def _end_course(app, course_id: int, days_ago: int) -> None:
    """Move the course's sessions so that the last one ended `days_ago` days ago."""
    with app.app_context():
        sessions = db.session.scalars(
            db.select(Session).where(Session.course_id == course_id).order_by(Session.starts_at)
        ).all()
        shift = sessions[-1].ends_at - (utcnow() - timedelta(days=days_ago))
        for session in sessions:
            session.starts_at -= shift
            session.ends_at -= shift
        db.session.commit()


def test_purge_anonymises_old_courses_only_and_is_idempotent(
    app, client, runner, make_user, closed_course, apply, personal_token
):
    old = closed_course()
    recent = closed_course()
    old_id = apply(old["id"], email="old@example.org", region="14").get_json()["id"]
    apply(recent["id"], email="recent@example.org")
    client.post(
        f"/api/v1/applications/{old_id}/decision",
        json={"status": "accepted"},
        headers=make_user("admin", None).headers,
    )
    token = personal_token("old@example.org")
    assert client.get(f"/my/{token}").status_code == 200
    _end_course(app, old["id"], days_ago=181)
    _end_course(app, recent["id"], days_ago=179)

    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 applications anonymised")

    with app.app_context():
        purged = db.session.get(Application, old_id)
        assert (purged.name, purged.email, purged.phone, purged.needs, purged.message) == (
            "",
            "",
            "",
            "",
            "",
        )
        assert purged.anonymised_at is not None
        # Kept for statistics.
        assert (purged.region_code, purged.language, purged.status) == ("14", "fi", "accepted")
        kept = db.session.scalar(
            db.select(Application).where(Application.email == "recent@example.org")
        )
        assert kept.name == "Aino Asiakas" and kept.anonymised_at is None
        # The delivered emails to the anonymised address are gone; the others stay.
        recipients = set(db.session.scalars(db.select(OutboxMessage.recipient)))
        assert recipients == {"recent@example.org"}
        # Even the server cannot re-create a working link for it.

        assert find_by_token(derive(purged)) is None

    # The old link no longer works, kindly.
    assert client.get(f"/my/{token}").status_code == 404
    assert client.post("/api/v1/applications/withdraw", json={"token": token}).status_code == 404

    again = runner.invoke(args=["privacy", "purge"])
    assert again.output.startswith("0 applications anonymised")


def test_retention_is_configurable(app, runner, closed_course, apply):
    app.config["PRIVACY_RETENTION_DAYS"] = 10
    course = closed_course()
    apply(course["id"])
    _end_course(app, course["id"], days_ago=11)
    assert runner.invoke(args=["privacy", "purge"]).output.startswith("1 applications")


def test_anonymised_applicants_are_not_listed_with_data(
    app, client, runner, make_user, closed_course, apply
):
    course = closed_course()
    apply(course["id"])
    _end_course(app, course["id"], days_ago=200)
    runner.invoke(args=["privacy", "purge"])
    admin = make_user("admin", None)
    [row] = client.get(
        f"/api/v1/courses/{course['id']}/applications", headers=admin.headers
    ).get_json()["applications"]
    assert row["name"] == "" and row["email"] == "" and row["phone"] == ""
    assert row["region"] == "05" and row["status"] == "submitted"


def test_purge_deletes_every_email_of_the_application_of_any_kind_sent_or_not(
    app, runner, client, make_user, closed_course, apply, deliver, smtp
):
    """Reminders and feedback invitations repeat the name and a personal link too; unsent
    mail as much as sent. Mail of another application to the same address stays."""
    from datetime import timedelta

    old, recent = closed_course(), closed_course()
    old_id = apply(old["id"]).get_json()["id"]
    recent_id = apply(recent["id"]).get_json()["id"]  # the same address, another course
    deliver()  # the two confirmations are sent
    client.post(
        f"/api/v1/applications/{old_id}/decision",
        json={"status": "accepted"},
        headers=make_user("admin", None).headers,
    )  # the acceptance email stays unsent
    with app.test_request_context():
        for kind, key, template, extra in (
            ("followup.reminder", "r", "followup/reminder", {"is_today": False}),
            ("followup.feedback_invite", "f", "followup/feedback_invite", {}),
        ):
            queue_email_once(
                "aino@example.org",
                template,
                "fi",
                kind=kind,
                dedupe_key=f"{key}:{old_id}",
                application_id=old_id,
                name="Aino Asiakas",
                course_title="Kurssi",
                day="maanantai",
                starts="10.00",
                ends="11.00",
                window=15,
                join_url="http://localhost/join/p/x",
                my_url="http://localhost/my/x",
                feedback_url="http://localhost/feedback/x",
                **extra,
            )
        # A personal email from before emails named their application, long ago.
        db.session.add(
            OutboxMessage(
                recipient="aino@example.org",
                language="fi",
                subject="Vanha",
                body="Hei Aino",
                kind="enrolment.received",
                created_at=utcnow() - timedelta(days=400),
            )
        )
        db.session.commit()
        kinds = sorted(
            db.session.scalars(
                db.select(OutboxMessage.kind).where(OutboxMessage.application_id == old_id)
            )
        )
        assert kinds == [
            "enrolment.accepted",
            "enrolment.received",
            "followup.feedback_invite",
            "followup.reminder",
        ]
    _end_course(app, old["id"], days_ago=181)

    assert runner.invoke(args=["privacy", "purge"]).output.startswith("1 applications")

    with app.app_context():
        left = db.session.execute(db.select(OutboxMessage.application_id, OutboxMessage.kind)).all()
    assert left == [(recent_id, "enrolment.received")]
