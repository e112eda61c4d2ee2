"""Helpers for the web-layer tests of joining and calendars: sessions placed relative to now,
participants of closed courses, signing in with the test client."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import assign_new_token, find_by_token
from scheduler.extensions import db
from tests.conftest import PASSWORD

CLOSED = {"kind": "closed", "capacity": 10, "application_deadline": "2026-12-20"}


def place_session(
    app: Any,
    session_id: int,
    starts_at: datetime,
    minutes: int = 60,
    *,
    status: str | None = None,
) -> None:
    """Move one session (and mark the change as Session.touch() does)."""
    with app.app_context():
        session = db.session.get(Session, session_id)
        session.starts_at = starts_at
        session.ends_at = starts_at + timedelta(minutes=minutes)
        if status is not None:
            session.status = status
        session.touch()
        db.session.commit()


def only_session_now(app: Any, course: dict[str, Any], offset: timedelta, minutes: int = 60) -> int:
    """Put the course's first session at now + offset and every other one weeks later."""
    ids = [s["id"] for s in course["sessions"]]
    first = utcnow() + offset
    for week, session_id in enumerate(ids):
        place_session(app, session_id, first + timedelta(weeks=week), minutes)
    return ids[0]


def make_participant(
    app: Any,
    course_id: int,
    *,
    status: str = "accepted",
    language: str = "fi",
    region: str = "05",
    name: str = "Aino Asiakas",
) -> str:
    """An application in `status` with a personal link; returns the token."""
    with app.app_context():
        application = Application(
            course_id=course_id,
            name=name,
            email=f"{name.split()[0].lower()}@example.org",
            region_code=region,
            language=language,
            status=status,
            token_nonce="",
            token_hash="",
        )
        token = assign_new_token(application)
        db.session.add(application)
        db.session.commit()
        return token


def set_status(app: Any, token: str, status: str) -> None:
    with app.app_context():
        application = find_by_token(token)
        application.status = status
        db.session.commit()


def revoke(app: Any, token: str) -> str:
    """Give the application a new link; the old token stops working."""
    with app.app_context():
        application = find_by_token(token)
        new = assign_new_token(application)
        db.session.commit()
        return new


def sign_in(client: Any, staff: Any) -> None:
    response = client.post("/sign-in", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
