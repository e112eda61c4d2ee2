"""Creating and upgrading the schema with Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from scheduler.config import ROOT
from scheduler.extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@contextmanager
def autocommit() -> Iterator[Connection]:
    """A pooled connection for reads that need no transaction: on PostgreSQL a statement is
    then one round trip (no BEGIN before it, no ROLLBACK when the connection goes back)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


VERSION_SQL = "SELECT version_num FROM alembic_version"


@cache
def latest_revisions() -> frozenset[str]:
    """The heads of the migrations shipped with this code (read once per process)."""
    script = ScriptDirectory.from_config(_alembic_config(Config))
    return frozenset(script.get_heads())


def schema_is_current() -> bool:
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == latest_revisions()


def readiness() -> str | None:
    """None when the database answers and its schema is at the latest migration, else why not
    (a short technical reason for the load balancer's log, never a secret)."""
    try:
        with autocommit() as connection:
            current = set(connection.exec_driver_sql(VERSION_SQL).scalars())
    except (SQLAlchemyError, OSError) as error:
        return f"database unavailable or without a schema: {type(error).__name__}"
    if current != latest_revisions():
        return "schema is not at the latest migration"
    return None


def _alembic_config(config_class):  # type: ignore[no-untyped-def]
    config = config_class(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def init_db() -> None:
    """Create or upgrade the schema and load the region data (idempotent)."""
    from scheduler.regions.data import sync_regions

    if not schema_is_current():
        upgrade(directory=str(ROOT / "migrations"))
    sync_regions()
    db.session.commit()


def ensure_schema(*, load_demo: bool = False) -> None:
    """Used by the embedded SQLite default: make the database ready on first start."""
    init_db()
    if load_demo:
        from scheduler.demo import load_demo as load

        load()
        db.session.commit()
