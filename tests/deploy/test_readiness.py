"""GET /readyz: 200 only when the database answers and its schema is at the latest
migration; /healthz stays a trivial liveness answer."""

from __future__ import annotations

from sqlalchemy import text

from scheduler import create_app
from scheduler.database import latest_revisions
from scheduler.extensions import db


def test_ready_when_the_schema_is_current(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ready"}
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_not_ready_when_a_migration_is_missing(app, client):
    (head,) = latest_revisions()
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.get_json()["reason"] == "schema is not at the latest migration"
        assert client.get("/healthz").status_code == 200  # alive all the same
    finally:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert client.get("/readyz").status_code == 200


def test_not_ready_without_a_database(tmp_path):
    missing = tmp_path / "no-such-folder" / "scheduler.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "not ready"
    assert answer.get_json()["reason"].startswith("database unavailable")
    assert app.test_client().get("/healthz").status_code == 200


def test_not_ready_on_an_empty_database(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/e.db"})
    assert app.test_client().get("/readyz").status_code == 503
