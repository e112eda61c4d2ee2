"""Fixtures for the rotation tests: the pilot's planners, courses relative to today, and
small helpers that change rows directly (to set up states the API cannot reach)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from scheduler.audit import AuditEntry
from scheduler.courses.models import Session
from scheduler.extensions import db
from scheduler.hosting.models import Closure
from scheduler.i18n import HELSINKI
from scheduler.notify.models import OutboxMessage


def today() -> date:
    return datetime.now(HELSINKI).date()


def weekday_in(weeks: int, weekday: int = 1) -> date:
    """The given weekday (Monday 0) `weeks` weeks from this week."""
    base = today() - timedelta(days=today().weekday())
    return base + timedelta(weeks=weeks, days=weekday)


def start_at(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour)).isoformat(timespec="minutes")


@pytest.fixture
def planners(make_user) -> dict[str, Any]:
    """Planners of the pilot regions; Varha's (05) reads Swedish."""
    return {
        "03": make_user("planner", "03"),
        "05": make_user("planner", "05", language="sv"),
        "14": make_user("planner", "14"),
    }


@pytest.fixture
def admin(make_user) -> Any:
    return make_user("admin", None)


@pytest.fixture
def future_course(make_course, planners):
    """A course of `sessions` weekly Tuesday sessions starting `weeks` weeks from now."""

    def make(weeks: int = 6, sessions: int = 9, **changes: Any) -> dict[str, Any]:
        changes.setdefault("first_session", start_at(weekday_in(weeks)))
        changes.setdefault("sessions", sessions)
        regions = changes.get("regions", ["03", "05", "14"])
        return make_course(planner=planners[regions[0]], **changes)

    return make


@pytest.fixture
def rows(app):
    """Change rows directly: rows.session(id, **values), rows.closure(code, start, end)."""

    class Rows:
        def session(self, session_id: int, **values: Any) -> None:
            with app.app_context():
                row = db.session.get(Session, session_id)
                for key, value in values.items():
                    setattr(row, key, value)
                db.session.commit()

        def get_session(self, session_id: int) -> Any:
            with app.app_context():
                row = db.session.get(Session, session_id)
                db.session.expunge(row)
                return row

        def closure(self, code: str, start: date, end: date) -> int:
            with app.app_context():
                row = Closure(region_code=code, start=start, end=end, reason="test")
                db.session.add(row)
                db.session.commit()
                return row.id

        def outbox(self) -> list[Any]:
            with app.app_context():
                found = list(
                    db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))
                )
                for message in found:
                    db.session.expunge(message)
                return found

        def audit(self, action: str) -> list[Any]:
            with app.app_context():
                found = list(
                    db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action))
                )
                for entry in found:
                    db.session.expunge(entry)
                return found

    return Rows()


def local_day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(HELSINKI).date()


def sessions_of(client, course_id: int) -> list[dict[str, Any]]:
    return client.get(f"/api/v1/courses/{course_id}/sessions").get_json()["sessions"]


@pytest.fixture
def trade(make_course, planners):
    """A Finnish course of the pilot and a Swedish co-hosted one in 2027."""
    make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=12)
    make_course(
        planner=planners["05"],
        regions=["05", "03", "14"],
        languages=["sv"],
        first_session="2027-02-02T12:00",
        sessions=6,
        cohost=True,
    )
