"""Backup and restore with the real pg_dump and pg_restore against the real PostgreSQL: load
data, back up, drop everything, restore, and find every table's rows and every application
as they were. Runs in a database of its own on the test server (PostgreSQL only)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from scheduler import create_app
from scheduler.accounts.services import create_user, issue_token
from scheduler.backup import BackupError, libpq_target
from scheduler.database import init_db
from scheduler.demo import load_demo
from scheduler.extensions import db
from tests.conftest import POSTGRES_URL, course_payload, is_postgres

postgres_only = pytest.mark.skipif(not is_postgres(), reason="pg_dump needs PostgreSQL")


@pytest.fixture
def backup_url() -> Iterator[str]:
    """A fresh database next to the test database, dropped afterwards."""
    assert POSTGRES_URL is not None
    name = f"backup_test_{uuid.uuid4().hex[:8]}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def _app(url: str) -> Any:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_SEND_ON_COMMIT": False,
            "PUBLIC_BASE_URL": "http://localhost",
        }
    )


def _load(app: Any) -> None:
    """The demo network, a closed course with applications (personal data), and mail."""
    with app.app_context():
        init_db()
        load_demo()
        planner = create_user(
            "planner@backup.example", "planner", "correct horse battery", region="05"
        )
        token = issue_token(planner)
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    course = client.post(
        "/api/v1/courses",
        json=course_payload(
            kind="closed",
            capacity=5,
            application_deadline="2026-12-20",
            regions=["05", "03"],
            first_session="2027-02-01T10:00",
        ),
        headers=headers,
    ).get_json()
    for number in range(12):
        answer = client.post(
            f"/api/v1/courses/{course['id']}/applications",
            json={
                "name": f"Hakija Nro {number} Åström",
                "email": f"applicant{number}@backup.example",
                "region": "05" if number % 2 else "03",
                "language": "sv" if number % 3 == 0 else "fi",
                "needs": "Tarvitsen tulkin; behöver tolk" if number % 4 == 0 else "",
                "consent": True,
                "on_behalf": False,
            },
            environ_base={"REMOTE_ADDR": f"10.0.0.{number}"},
        )
        assert answer.status_code == 201, answer.get_json()
    applications = client.get(
        f"/api/v1/courses/{course['id']}/applications", headers=headers
    ).get_json()["applications"]
    for application in applications[:3]:
        decided = client.post(
            f"/api/v1/applications/{application['id']}/decision",
            json={"status": "accepted"},
            headers=headers,
        )
        assert decided.status_code == 200


def _counts_and_checksum(url: str) -> tuple[dict[str, int], str]:
    """Read independently of the code under test: plain SQL on a new engine."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            counts = {
                table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                for table in tables
            }
            digest = hashlib.sha256()
            for row in connection.execute(text("SELECT * FROM application ORDER BY id")):
                digest.update(repr(tuple(row)).encode())
    finally:
        engine.dispose()
    return counts, digest.hexdigest()


@postgres_only
def test_backup_drop_restore_gives_back_every_row(backup_url, tmp_path):
    app = _app(backup_url)
    _load(app)
    before = _counts_and_checksum(backup_url)
    assert before[0]["application"] == 12 and before[0]["course_session"] > 0
    assert before[0]["outbox_message"] > 0

    runner = app.test_cli_runner()
    file = tmp_path / "etapaiva.dump"
    dumped = runner.invoke(args=["backup", "dump", str(file)])
    assert dumped.exit_code == 0, dumped.output
    assert file.stat().st_size > 1000
    assert file.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    summary = runner.invoke(args=["backup", "summary"])
    assert "application 12" in summary.output
    assert "applications checksum" in summary.output

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    engine = create_engine(backup_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    assert _counts_and_checksum_or_empty(backup_url) == {}

    restored = runner.invoke(args=["backup", "restore", str(file), "--yes"])
    assert restored.exit_code == 0, restored.output
    after = _counts_and_checksum(backup_url)
    assert after == before
    # The restored database serves: the schema is current and the pages work.
    client = _app(backup_url).test_client()
    assert client.get("/readyz").status_code == 200
    assert client.get("/courses").status_code == 200


def _counts_and_checksum_or_empty(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table: 0 for table in inspect(connection).get_table_names()}
    finally:
        engine.dispose()


@postgres_only
def test_restore_of_a_broken_file_changes_nothing(backup_url, tmp_path):
    app = _app(backup_url)
    with app.app_context():
        init_db()
        load_demo()
        db.session.commit()
    before = _counts_and_checksum(backup_url)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP not really a dump")
    answer = app.test_cli_runner().invoke(args=["backup", "restore", str(broken), "--yes"])
    assert answer.exit_code != 0 and "pg_restore failed" in answer.output
    assert _counts_and_checksum(backup_url) == before


def test_password_is_kept_off_the_command_line():
    address, env = libpq_target("postgresql+psycopg://etapaiva:s3cret@db.example:5433/prod")
    assert address == "postgresql://etapaiva@db.example:5433/prod"
    assert env == {"PGPASSWORD": "s3cret"}
    with pytest.raises(BackupError):
        libpq_target("sqlite:///instance/scheduler.db")
