"""Reminders: due from REMINDER_TIME the day before, read back from a real SMTP server,
never twice — re-runs on any database, concurrent runs on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from scheduler import create_app
from scheduler.config import ROOT
from scheduler.enrolment.tokens import find_by_token
from scheduler.extensions import db
from scheduler.followup.reminders import reminder_due_from, send_reminders
from scheduler.i18n import HELSINKI
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import deliver_pending
from tests.conftest import is_postgres
from tests.followup.conftest import local

LINK = re.compile(r"http://localhost/join/p/([A-Za-z0-9_-]+)")
MY_LINK = re.compile(r"http://localhost/my/([A-Za-z0-9_-]+)")


@pytest.fixture
def app_overrides(mail_app_overrides):
    # From 00:00 the day before: tomorrow's sessions are due whatever the time is now,
    # the day after tomorrow's are not.
    return {**mail_app_overrides, "REMINDER_TIME": "00:00"}


def helsinki(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


def test_due_from_the_reminder_time_on_the_day_before():
    start = helsinki("2027-01-05T10:00")
    assert reminder_due_from(start, "09:00") == helsinki("2027-01-04T09:00")
    # An early-morning session is still reminded the day before, not a few hours ahead.
    assert reminder_due_from(helsinki("2027-01-05T06:30"), "09:00") == helsinki("2027-01-04T09:00")
    # Across the switch to summer time (28 March 2027) the local clock time is kept.
    due = reminder_due_from(helsinki("2027-03-29T10:00"), "09:00")
    assert due.astimezone(HELSINKI).isoformat() == "2027-03-28T09:00:00+03:00"
    assert due.tzinfo == UTC


def test_timing_with_an_explicit_now(app, closed_course, place_sessions, add_participant):
    app.config["REMINDER_TIME"] = "09:00"
    course = closed_course(sessions=1)
    place_sessions(course["id"], [helsinki("2027-01-05T12:00")])
    add_participant(course["id"])
    with app.app_context():
        assert send_reminders(helsinki("2027-01-04T08:59")).queued == 0
        assert send_reminders(helsinki("2027-01-04T09:00")).queued == 1
        assert send_reminders(helsinki("2027-01-04T09:00")).queued == 0
        # Once the session has started there is nothing to remind of.
        later = closed_course(sessions=1)
        place_sessions(later["id"], [helsinki("2027-01-05T12:00")])
        add_participant(later["id"])
        assert send_reminders(helsinki("2027-01-05T12:01")).queued == 0


def test_reminder_emails_reach_accepted_participants_only(
    app, runner, client, smtp, closed_course, place_sessions, add_participant
):
    course = closed_course(sessions=3, title={"fi": "Uni ja lepo", "sv": "Sömn och vila"})
    # 1: tomorrow (due); 2: the day after (not yet); 3: tomorrow but cancelled.
    session_ids = place_sessions(
        course["id"], [local(1, 12), local(2, 12), local(1, 15)], cancelled=(3,)
    )
    finn = add_participant(course["id"], region="14", language="fi")
    swede = add_participant(course["id"], region="05", language="sv")
    add_participant(course["id"], status="waitlisted")
    add_participant(course["id"], status="withdrawn")
    add_participant(course["id"], status="submitted")

    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "2 queued" in result.output and "2 sent" in result.output

    assert len(smtp.mailbox.messages) == 2
    (fi_mail,) = smtp.mailbox.to(finn.email)
    (sv_mail,) = smtp.mailbox.to(swede.email)
    fi_body, sv_body = smtp.mailbox.body(fi_mail), smtp.mailbox.body(sv_mail)

    assert "Uni ja lepo" in fi_mail["Subject"] and "huomenna" in fi_mail["Subject"]
    assert "Sömn och vila" in sv_mail["Subject"] and "i morgon" in sv_mail["Subject"]
    assert "12.00" in fi_body and "13.00" in fi_body
    assert "12:00" in sv_body and "13:00" in sv_body
    # Plain words: the day, how to join, how to leave the course.
    from babel.dates import format_date

    assert format_date(local(1, 12).date(), "full", locale="fi") in fi_body
    assert format_date(local(1, 12).date(), "full", locale="sv") in sv_body
    assert "Liity" in fi_body or "liity" in fi_body
    assert "lopettaa" in fi_body
    assert "avbryta" in sv_body or "lämna" in sv_body

    # The link is the participant's own join page, and it works.
    for participant, body in ((finn, fi_body), (swede, sv_body)):
        (token,) = LINK.findall(body)
        assert token == participant.token
        assert MY_LINK.findall(body) == [participant.token]
        with app.app_context():
            assert find_by_token(token).id == participant.id
        page = client.get(f"/join/p/{token}")
        assert page.status_code == 200, page.status_code

    with app.app_context():
        keys = set(db.session.scalars(db.select(OutboxMessage.dedupe_key)))
    assert keys == {f"reminder:{session_ids[0]}:{finn.id}", f"reminder:{session_ids[0]}:{swede.id}"}


def test_today_wording_when_a_run_was_missed(
    app, smtp, closed_course, place_sessions, add_participant
):
    course = closed_course(sessions=1)
    place_sessions(course["id"], [helsinki("2027-01-05T12:00")])
    person = add_participant(course["id"], language="fi")
    with app.app_context():
        assert send_reminders(helsinki("2027-01-05T08:00")).queued == 1
        assert deliver_pending().sent == 1
    (mail,) = smtp.mailbox.to(person.email)
    assert "tänään" in mail["Subject"]


def test_rerunning_sends_nothing_twice(
    app, runner, smtp, closed_course, place_sessions, add_participant
):
    course = closed_course(sessions=2)
    place_sessions(course["id"], [local(1, 10), local(1, 14)])
    people = [add_participant(course["id"], region=r) for r in ("03", "05", "14")]
    for _ in range(3):
        result = runner.invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
    assert "0 queued, 6 already queued" in result.output
    assert len(smtp.mailbox.messages) == 6  # 2 sessions × 3 participants, once each
    for person in people:
        assert len(smtp.mailbox.to(person.email)) == 2
    # A participant accepted later still gets the reminder on the next run.
    late = add_participant(course["id"])
    runner.invoke(args=["reminders", "send"])
    assert len(smtp.mailbox.to(late.email)) == 2
    assert len(smtp.mailbox.messages) == 8


def test_open_courses_get_no_reminders(app, runner, smtp, make_course, place_sessions):
    course = make_course(sessions=1)
    place_sessions(course["id"], [local(1, 12)])
    result = runner.invoke(args=["reminders", "send"])
    assert "0 queued" in result.output
    assert smtp.mailbox.messages == []


def _assert_each_once(smtp, people, sessions: int) -> None:
    assert len(smtp.mailbox.messages) == len(people) * sessions
    for person in people:
        assert len(smtp.mailbox.to(person.email)) == sessions


@pytest.mark.postgres_only
@pytest.mark.skipif(not is_postgres(), reason="concurrent claims need PostgreSQL")
def test_concurrent_commands_on_several_hosts_send_each_reminder_once(
    app, smtp, closed_course, place_sessions, add_participant, database_url
):
    """Real `flask reminders send` processes started together, as cron on four hosts."""
    course = closed_course(sessions=2)
    place_sessions(course["id"], [local(1, 10), local(1, 18)])
    people = [add_participant(course["id"], region=("03", "05", "14")[i % 3]) for i in range(25)]
    env = {
        **os.environ,
        "SCHEDULER_SQLALCHEMY_DATABASE_URI": database_url,
        "SCHEDULER_TESTING": "true",  # the same test secret, so the links match
        "SCHEDULER_MAIL_SERVER": "127.0.0.1",
        "SCHEDULER_MAIL_PORT": str(smtp.port),
        "SCHEDULER_REMINDER_TIME": "00:00",
        "SCHEDULER_PUBLIC_BASE_URL": "http://localhost",
    }
    flask = [sys.executable, "-m", "flask", "--app", "scheduler", "reminders", "send"]
    processes = [
        subprocess.Popen(flask, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
    queued = sum(int(re.search(rb"(\d+) queued", out).group(1)) for out, _ in outputs)
    assert queued == 50
    _assert_each_once(smtp, people, sessions=2)


@pytest.mark.postgres_only
@pytest.mark.skipif(not is_postgres(), reason="concurrent claims need PostgreSQL")
def test_concurrent_threads_each_with_its_own_app(
    app, smtp, closed_course, place_sessions, add_participant, database_url
):
    """Threads released together by a barrier race on the same rows; no duplicates, no errors."""
    course = closed_course(sessions=1)
    place_sessions(course["id"], [local(1, 10)])
    people = [add_participant(course["id"]) for _ in range(30)]
    overrides = {
        key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "MAIL_PORT")
    }
    overrides.update(
        TESTING=True,
        REMINDER_TIME="00:00",
        PUBLIC_BASE_URL="http://localhost",
        OUTBOX_SEND_ON_COMMIT=False,
    )
    apps = [create_app(dict(overrides)) for _ in range(4)]
    barrier = threading.Barrier(len(apps))
    now = datetime.now(UTC)
    results: list[object] = []

    def run(one_app) -> None:
        try:
            with one_app.app_context():
                barrier.wait(timeout=30)
                report = send_reminders(now)
                deliver_pending()
                results.append(report.queued)
                db.session.remove()
                db.engine.dispose()
        except Exception as error:  # surfaced below
            results.append(error)

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    _assert_each_once(smtp, people, sessions=1)


def test_sent_reminders_are_forgotten_after_a_while(
    app, runner, smtp, closed_course, place_sessions, add_participant
):
    course = closed_course(sessions=1)
    place_sessions(course["id"], [local(1, 10)])
    add_participant(course["id"])
    runner.invoke(args=["reminders", "send"])
    with app.app_context():
        message = db.session.scalar(db.select(OutboxMessage))
        assert message.sent_at is not None
        message.sent_at -= timedelta(days=15)
        db.session.commit()
    runner.invoke(args=["reminders", "send"])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
