"""Fixtures for enrolment tests: mail routed to the real SMTP server, closed courses, helpers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from scheduler.notify.outbox import deliver_pending

PERSONAL_LINK = re.compile(r"http://localhost/my/([A-Za-z0-9_\-]+)")


@pytest.fixture
def app_overrides(mail_app_overrides):
    # Many submissions come from 127.0.0.1 in these tests; the limit has its own test.
    return {**mail_app_overrides, "APPLICATION_RATE_LIMIT_PER_HOUR": 1000}


def today():
    return utcnow().astimezone(HELSINKI).date()


@pytest.fixture
def closed_course(make_course):
    """A closed course of 03, 05, 14 whose deadline is in 30 days, sessions from 60 days on."""

    def make(capacity: int = 2, deadline_in_days: int = 30, **changes: Any) -> dict[str, Any]:
        start = today() + timedelta(days=60)
        payload = {
            "kind": "closed",
            "capacity": capacity,
            "application_deadline": (today() + timedelta(days=deadline_in_days)).isoformat(),
            "first_session": f"{start.isoformat()}T10:00",
            "sessions": 4,
        }
        payload.update(changes)
        return make_course(**payload)

    return make


def application_payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Aino Asiakas",
        "email": "aino@example.org",
        "phone": "040 123 4567",
        "region": "05",
        "language": "fi",
        "needs": "Isompi teksti",
        "message": "Odotan innolla",
        "consent": True,
        "on_behalf": False,
    }
    data.update(changes)
    return data


@pytest.fixture
def apply(client):
    """POST an application through the API; returns the response."""

    def post(course_id: int, **changes: Any) -> Any:
        return client.post(
            f"/api/v1/courses/{course_id}/applications", json=application_payload(**changes)
        )

    return post


@pytest.fixture
def deliver(app):
    """Deliver queued mail to the real SMTP server."""

    def run() -> None:
        with app.app_context():
            deliver_pending()

    return run


@pytest.fixture
def personal_token(smtp, deliver):
    """Deliver mail, then read the personal token from the newest email to `address`."""

    def read(address: str) -> str:
        deliver()
        messages = smtp.mailbox.to(address)
        assert messages, f"no email to {address}"
        match = PERSONAL_LINK.search(smtp.mailbox.body(messages[-1]))
        assert match, smtp.mailbox.body(messages[-1])
        return match.group(1)

    return read


def count_rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def statuses(app, course_id: int) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            db.select(Application.email, Application.status).where(
                Application.course_id == course_id
            )
        ).all()
        return dict(rows)
