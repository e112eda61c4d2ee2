"""Helpers for the follow-up tests: closed courses with sessions placed relative to now,
and participants created straight in the database (the enrolment flow is tested elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import assign_new_token
from scheduler.extensions import db
from scheduler.i18n import HELSINKI


def local(days: int, hour: int, minute: int = 0) -> datetime:
    """Helsinki wall-clock time `days` from today's local date, as an aware datetime."""
    today = utcnow().astimezone(HELSINKI).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=HELSINKI)


@dataclass
class Participant:
    id: int
    name: str
    email: str
    region: str
    language: str
    token: str


@pytest.fixture
def closed_course(make_course):
    """closed_course(sessions=3, regions=[...]) → course JSON (sessions far in the future)."""

    def make(**changes: Any) -> dict[str, Any]:
        data = {
            "kind": "closed",
            "capacity": 20,
            "application_deadline": "2026-12-01",
            "first_session": "2027-01-04T10:00",
            "sessions": 3,
            "languages": ["fi", "sv"],
        }
        data.update(changes)
        return make_course(**data)

    return make


@pytest.fixture
def place_sessions(app):
    """Move a course's sessions (by number) to the given start times; None leaves one alone."""

    def place(
        course_id: int,
        starts: list[datetime | None],
        *,
        minutes: int = 60,
        cancelled: tuple[int, ...] = (),
        hosts: dict[int, tuple[str, str | None]] | None = None,
    ) -> list[int]:
        with app.app_context():
            sessions = list(
                db.session.scalars(
                    db.select(Session)
                    .where(Session.course_id == course_id)
                    .order_by(Session.number)
                )
            )
            for session, start in zip(sessions, starts, strict=False):
                if start is not None:
                    session.starts_at = start
                    session.ends_at = start + timedelta(minutes=minutes)
                if session.number in cancelled:
                    session.status = "cancelled"
                if hosts and session.number in hosts:
                    session.host_region, session.cohost_region = hosts[session.number]
            db.session.commit()
            return [s.id for s in sessions]

    return place


@pytest.fixture
def add_participant(app):
    counter = {"n": 0}

    def add(
        course_id: int,
        region: str = "05",
        language: str = "fi",
        status: str = "accepted",
        name: str | None = None,
    ) -> Participant:
        counter["n"] += 1
        n = counter["n"]
        name = name or f"Osallistuja {n}"
        email = f"client{n}@example.org"
        with app.app_context():
            application = Application(
                course_id=course_id,
                name=name,
                email=email,
                region_code=region,
                language=language,
                status=status,
            )
            token = assign_new_token(application)
            db.session.add(application)
            db.session.commit()
            return Participant(application.id, name, email, region, language, token)

    return add


def today_local() -> date:
    return utcnow().astimezone(HELSINKI).date()
