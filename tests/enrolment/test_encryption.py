"""Health data encrypted at rest: a dump of the database alone reveals nothing of a client's
needs; keys rotate with `privacy reencrypt`; existing clear text is encrypted on upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Text, text, type_coerce

from scheduler import create_app
from scheduler.config import ROOT, ConfigError, instance_data_key, load_config, new_fernet_key
from scheduler.crypto import TEST_KEY, DataKeyError
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.regions.data import sync_regions
from tests.conftest import POSTGRES_URL, _engine_options

NEEDS = "Kuulolaite ja pyörätuoli"
MESSAGE = "Diagnoosi: MS-tauti"
PHONE = "040 765 4321"
PHONE_E164 = "+358407654321"  # how the service stores the number it was given
SECRETS = (NEEDS, MESSAGE, PHONE, PHONE_E164, "Kuulolaite", "MS-tauti", "765")


def _raw_rows(app) -> list[tuple[Any, ...]]:
    """Exactly what a dump shows: the table read with plain SQL, no model in between."""
    with app.app_context():
        return db.session.execute(text("SELECT * FROM application")).all()


def _apply(apply, course_id: int, **changes: Any) -> int:
    response = apply(course_id, needs=NEEDS, message=MESSAGE, phone=PHONE, **changes)
    assert response.status_code == 201
    return response.get_json()["id"]


@contextmanager
def _app_with_keys(database_url: str, keys: list[str]) -> Iterator[Any]:
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(),
            "DATA_ENCRYPTION_KEYS": keys,
        }
    )
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_dump_shows_no_needs_message_or_phone(app, client, apply, closed_course, make_user):
    course = closed_course()
    application_id = _apply(apply, course["id"])
    dump = repr(_raw_rows(app))
    for secret in SECRETS:
        assert secret not in dump
    with app.app_context():
        row = db.session.execute(
            text("SELECT needs, message, phone FROM application WHERE id = :id"),
            {"id": application_id},
        ).one()
        assert all(value.startswith("gAAAAA") for value in row)
        assert len(set(row)) == 3
    # The service still reads them: the planner's list and the applicant's own page.
    listed = client.get(
        f"/api/v1/courses/{course['id']}/applications", headers=make_user("admin", None).headers
    ).get_json()["applications"]
    assert listed[0]["phone"] == PHONE_E164
    with app.app_context():
        stored = db.session.get(Application, application_id)
        assert (stored.needs, stored.message, stored.phone) == (NEEDS, MESSAGE, PHONE_E164)


def test_the_same_text_is_stored_differently_each_time(app, apply, closed_course):
    course = closed_course()
    _apply(apply, course["id"], email="a@example.org")
    _apply(apply, course["id"], email="b@example.org")
    with app.app_context():
        needs = db.session.scalars(text("SELECT needs FROM application")).all()
    assert len(set(needs)) == 2  # no equal ciphertexts to compare between rows


def test_keys_rotate_with_reencrypt(app, apply, closed_course, database_url):
    course = closed_course()
    ids = [_apply(apply, course["id"], email=f"p{n}@example.org") for n in range(3)]
    new_key = new_fernet_key()
    with _app_with_keys(database_url, [new_key, TEST_KEY]) as rotating:
        # Both keys read; new rows are written with the new key.
        result = rotating.test_cli_runner().invoke(args=["privacy", "reencrypt"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("9 values re-encrypted")
        again = rotating.test_cli_runner().invoke(args=["privacy", "reencrypt"])
        assert again.output.startswith("0 values re-encrypted")
    with _app_with_keys(database_url, [new_key]) as only_new, only_new.app_context():
        stored = db.session.scalars(db.select(Application).where(Application.id.in_(ids))).all()
        assert {(a.needs, a.message, a.phone) for a in stored} == {(NEEDS, MESSAGE, PHONE_E164)}
    # The old key alone no longer reads anything: the rows really moved.
    with app.app_context(), pytest.raises(DataKeyError, match="DATA_ENCRYPTION_KEYS"):
        db.session.get(Application, ids[0]).needs  # noqa: B018


def test_clear_text_left_in_a_row_is_read_and_then_encrypted(app, runner, apply, closed_course):
    course = closed_course()
    application_id = _apply(apply, course["id"])
    with app.app_context():
        table = Application.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == application_id)
            .values(needs=sa.literal("Vanha selväkielinen", Text()))
        )
        db.session.commit()
        assert db.session.get(Application, application_id).needs == "Vanha selväkielinen"
    result = runner.invoke(args=["privacy", "reencrypt"])
    assert result.output.startswith("1 values re-encrypted"), result.output
    assert "Vanha" not in repr(_raw_rows(app))
    with app.app_context():
        raw = db.session.scalar(
            sa.select(type_coerce(Application.__table__.c.needs, Text)).where(
                Application.id == application_id
            )
        )
        assert raw.startswith("gAAAAA")
        assert db.session.get(Application, application_id).needs == "Vanha selväkielinen"


def test_production_refuses_to_start_without_a_data_key():
    environ = {"SCHEDULER_ENV_NAME": "production", "SCHEDULER_SECRET_KEY": "x" * 40}
    with pytest.raises(ConfigError, match="DATA_ENCRYPTION_KEYS is missing"):
        load_config(environ={**environ, "SCHEDULER_SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})
    key = new_fernet_key()
    config = load_config(
        environ={
            **environ,
            "SCHEDULER_SQLALCHEMY_DATABASE_URI": "sqlite:///x.db",
            "SCHEDULER_DATA_ENCRYPTION_KEYS": f"{key}, {TEST_KEY}",
        }
    )
    assert config["DATA_ENCRYPTION_KEYS"] == (key, TEST_KEY)
    with pytest.raises(ConfigError, match="DATA_ENCRYPTION_KEYS is malformed"):
        load_config(environ={"SCHEDULER_DATA_ENCRYPTION_KEYS": "not-a-key"})


def test_embedded_default_keeps_a_generated_data_key(tmp_path):
    first = instance_data_key(tmp_path)
    assert instance_data_key(tmp_path) == first
    assert (tmp_path / "data_key").stat().st_mode & 0o077 == 0
    load_config(environ={"SCHEDULER_DATA_ENCRYPTION_KEYS": first})


# --- the upgrade encrypts what is already stored ------------------------------------------------


@contextmanager
def _empty_database() -> Iterator[str]:
    """A database of its own (the suite's shared one is already at the newest revision)."""
    if not POSTGRES_URL:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'upgrade.db'}"
        return
    url = sa.make_url(POSTGRES_URL)
    name = f"{url.database}_upgrade"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert_old_rows(now: datetime) -> None:
    """A course and two applications as revision 0001 stored them: in clear text."""
    naive = now.replace(tzinfo=None)
    course_values = {
        "id": 1,
        "kind": "closed",
        "title_fi": "Kurssi",
        "title_sv": "Kurs",
        "description_fi": "",
        "description_sv": "",
        "languages_csv": "fi",
        "cohost": False,
        "first_session": naive,
        "duration_minutes": 60,
        "session_count": 4,
        "capacity": 5,
        "application_deadline": date(2026, 10, 20),
        "meeting_provider": "static",
        "created_at": naive,
        "updated_at": naive,
    }
    course = sa.table("course", *(sa.column(name) for name in course_values))
    db.session.execute(course.insert().values(**course_values))
    for number, (needs, phone) in enumerate([(NEEDS, PHONE), ("", "")], start=1):
        values = {
            "id": number,
            "course_id": 1,
            "name": "Aino",
            "email": f"a{number}@example.org",
            "phone": phone,
            "region_code": "05",
            "language": "fi",
            "needs": needs,
            "message": MESSAGE if needs else "",
            "on_behalf": False,
            "consent_at": naive,
            "status": "submitted",
            "submitted_at": naive,
            "status_changed_at": naive,
            "token_nonce": f"n{number}",
            "token_hash": f"h{number}",
        }
        application = sa.table("application", *(sa.column(name) for name in values))
        db.session.execute(application.insert().values(**values))
    db.session.commit()


def test_upgrade_encrypts_existing_clear_text():
    from flask_migrate import upgrade

    with (
        _empty_database() as url,
        _app_with_keys(url, [TEST_KEY]) as upgrading,
        upgrading.app_context(),
    ):
        upgrade(directory=str(ROOT / "migrations"), revision="0001")
        sync_regions()
        _insert_old_rows(datetime(2026, 11, 1, tzinfo=UTC))

        upgrade(directory=str(ROOT / "migrations"))

        dump = repr(db.session.execute(text("SELECT * FROM application")).all())
        for secret in SECRETS:
            assert secret not in dump
        first, empty = db.session.scalars(db.select(Application).order_by(Application.id))
        assert (first.needs, first.message, first.phone) == (NEEDS, MESSAGE, PHONE)
        assert (empty.needs, empty.message, empty.phone) == ("", "", "")
        db.session.remove()
