"""Creating and upgrading the schema with Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine

from scheduler.config import ROOT
from scheduler.demo import load_demo as load
from scheduler.extensions import db
from scheduler.regions.data import sync_regions


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def schema_is_current() -> bool:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(Config))
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())


def _alembic_config(config_class):  # type: ignore[no-untyped-def]
    config = config_class(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def init_db() -> None:
    """Create or upgrade the schema and load the region data (idempotent)."""
    if not schema_is_current():
        upgrade(directory=str(ROOT / "migrations"))
    sync_regions()
    db.session.commit()


def ensure_schema(*, load_demo: bool = False) -> None:
    """Used by the embedded SQLite default: make the database ready on first start."""
    init_db()
    if load_demo:
        load()
        db.session.commit()
