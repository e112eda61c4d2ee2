"""Fixtures for the lifecycle tests: the pilot's planners, courses relative to today, and
participants written straight to the database (the enrolment flow has its own tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import assign_new_token
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from tests.hosting.conftest import (  # noqa: F401  (fixtures and helpers shared with rotation)
    admin,
    future_course,
    local_day,
    planners,
    rows,
    sessions_of,
    start_at,
    weekday_in,
)


def local(days: int, hour: int, minute: int = 0) -> datetime:
    """Helsinki wall-clock time `days` from today, as an aware datetime."""
    today = utcnow().astimezone(HELSINKI).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=HELSINKI)


@dataclass
class Person:
    id: int
    name: str
    email: str
    region: str
    language: str


@pytest.fixture
def closed_course(future_course):  # noqa: F811
    """A closed course of 03, 05, 14 (both languages): sessions from `weeks` weeks on."""

    def make(weeks: int = 6, sessions: int = 6, **changes: Any) -> dict[str, Any]:
        first = weekday_in(weeks)
        changes.setdefault("kind", "closed")
        changes.setdefault("capacity", 10)
        changes.setdefault("application_deadline", (first - timedelta(days=7)).isoformat())
        changes.setdefault("languages", ["fi"])
        return future_course(weeks=weeks, sessions=sessions, **changes)

    return make


@pytest.fixture
def applicant(app):
    """applicant(course_id, region, language, status) → a person with that application."""
    counter = {"n": 0}

    def add(
        course_id: int, region: str = "05", language: str = "fi", status: str = "accepted"
    ) -> Person:
        counter["n"] += 1
        n = counter["n"]
        name, email = f"Asiakas {n}", f"client{n}@example.org"
        with app.app_context():
            application = Application(
                course_id=course_id,
                name=name,
                email=email,
                region_code=region,
                language=language,
                status=status,
            )
            assign_new_token(application)
            db.session.add(application)
            db.session.commit()
            return Person(application.id, name, email, region, language)

    return add


@pytest.fixture
def place(app):
    """place(session_id, start, minutes=60): put a session at a time the API cannot reach."""

    def put(session_id: int, start: datetime, minutes: int = 60) -> None:
        with app.app_context():
            session = db.session.get(Session, session_id)
            session.starts_at = start
            session.ends_at = start + timedelta(minutes=minutes)
            db.session.commit()

    return put


def lifecycle_mail(rows, kind: str | None = None) -> list[Any]:  # noqa: F811
    return [
        m
        for m in rows.outbox()
        if m.kind.startswith("lifecycle.") and (kind is None or m.kind == f"lifecycle.{kind}")
    ]
