"""The demo shows the product: `flask demo` loads an open group whose session is on now (Join
works at once), and running it again later (the run command does on every start) moves the
group's next session to now."""

from __future__ import annotations

from datetime import timedelta

from scheduler.audit import AuditEntry
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.demo import LIVE_TITLE
from scheduler.extensions import db


def demo(app, runner):
    """`flask demo` as the run command calls it (the flask CLI gives it the app context)."""
    with app.app_context():
        return runner.invoke(args=["demo"])


def live_course_id(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Course.id).where(Course.title_fi == LIVE_TITLE.fi))


def test_the_demo_has_a_live_open_group_and_join_works_at_once(app, client, runner):
    result = demo(app, runner)
    assert result.exit_code == 0, result.output
    course_id = live_course_id(app)
    assert course_id is not None
    catalogue = client.get("/courses").get_data(as_text=True)
    assert f'href="/join/{course_id}/go"' in catalogue  # the big Join button on its card
    go = client.get(f"/join/{course_id}/go")
    assert go.status_code == 302
    assert go.headers["Location"] == "https://meet.example.org/etapaiva-kahvihetki"


def test_running_the_demo_again_later_makes_the_group_live_again(app, client, runner):
    assert demo(app, runner).exit_code == 0
    course_id = live_course_id(app)
    with app.app_context():  # as if the demo had been loaded two days ago
        for session in db.session.scalars(db.select(Session).where(Session.course_id == course_id)):
            session.starts_at -= timedelta(days=2)
            session.ends_at -= timedelta(days=2)
        db.session.commit()
    assert client.get(f"/join/{course_id}/go").status_code == 409

    result = demo(app, runner)
    assert result.exit_code == 0 and "already" in result.output
    assert client.get(f"/join/{course_id}/go").status_code == 302
    with app.app_context():
        sessions = list(
            db.session.scalars(
                db.select(Session).where(Session.course_id == course_id).order_by(Session.number)
            )
        )
        now = utcnow()
        live = [s for s in sessions if s.starts_at <= now < s.ends_at]
        assert [s.number for s in live] == [2]  # the next one moved, the past one kept
        assert sessions[0].ends_at < now
        assert db.session.scalar(
            db.select(db.func.count(AuditEntry.id)).where(
                AuditEntry.action == "demo.session_refreshed"
            )
        )

    # While the session is on, another start changes nothing.
    assert demo(app, runner).exit_code == 0
    with app.app_context():
        again = db.session.get(Session, live[0].id)
        assert again.starts_at == live[0].starts_at
