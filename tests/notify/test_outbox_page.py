"""The administrators' outbox page: newest messages and what became of them, never a
working personal link, every look recorded in the audit log."""

from __future__ import annotations

import pytest

from scheduler.audit import AuditEntry
from scheduler.extensions import db
from scheduler.notify.outbox import queue_email, queue_sms
from tests.conftest import PASSWORD

TOKEN = "Qx7pL2mZ9vR4tY8wK3nB6cD1fG5hJ0sA2eU7iO4kPq"
CODE = "AbCdEfGhIjKlMnOpQrStUv"


@pytest.fixture
def app_overrides(sms_app_overrides):
    return sms_app_overrides


def _sign_in(client, user) -> None:
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (302, 303)


def _queue(app) -> None:
    with app.test_request_context():
        queue_email(
            "anna@example.org",
            "test_message",
            "fi",
            kind="test",
            name=f"Anna http://localhost/my/{TOKEN}",
        )
        queue_sms(
            "+358401234567",
            "test_message",
            "fi",
            kind="test",
            name="Aino",
            link=f"http://localhost/j/{CODE}",
        )
        db.session.commit()


def test_admins_see_the_newest_messages_without_working_links(app, client, make_user):
    _queue(app)
    admin = make_user("admin", None)
    _sign_in(client, admin)
    response = client.get("/planner/outbox")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "anna@example.org" in page and "+358401234567" in page
    assert "Testiviesti" in page and "Odottaa lähetystä" in page  # queued, not yet sent
    assert TOKEN not in page and CODE not in page  # not even for a waiting message
    assert "/j/[removed]" in page
    only_sms = client.get("/planner/outbox?channel=sms").get_data(as_text=True)
    assert "+358401234567" in only_sms and "anna@example.org" not in only_sms
    with app.app_context():
        [entry] = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "outbox.view")
        ).all()[:1]
        assert entry.actor_id == admin.id and entry.changes["count"] == 2


def test_planners_and_strangers_may_not_read_the_outbox(app, client, make_user):
    _queue(app)
    assert client.get("/planner/outbox").status_code in (302, 401)
    _sign_in(client, make_user("planner", "05"))
    assert client.get("/planner/outbox").status_code == 403
