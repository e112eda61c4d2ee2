"""Creating and upgrading the schema with Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

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


@contextmanager
def raw_autocommit() -> Iterator[Any]:
    """A pooled DB-API connection outside any transaction: on PostgreSQL a statement is one
    round trip (no BEGIN before it, no ROLLBACK when the connection goes back to the pool)."""
    engine = db.engine
    connection = engine.raw_connection()
    driver = connection.driver_connection if engine.dialect.name == "postgresql" else None
    try:
        if driver is not None:
            driver.autocommit = True
        yield connection
    finally:
        if driver is not None:
            driver.autocommit = False
        connection.close()  # back to the pool


@dataclass(frozen=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]
    positional: bool
    defaults: dict[str, Any]
    binds: dict[str, Any]  # name -> bind processor (or None)
    results: tuple[Any, ...]  # per column: result processor (or None)


class FastSelect:
    """A Core SELECT for the hottest paths (joining, the network version), run on a raw
    autocommit connection: one round trip, none of SQLAlchemy's per-execution work.

    Compiled once per dialect; bind and result values still go through the columns' own
    types (UTCDateTime, or any column type another part gives its columns). The statement
    must not need post-compile parameters (no expanding IN lists).
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._prepared: dict[str, _Prepared] = {}

    def _prepare(self, dialect: Any) -> _Prepared:
        found = self._prepared.get(dialect.name)
        if found is not None:
            return found
        compiled = self.statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("FastSelect cannot run statements with post-compile parameters")
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
        found = _Prepared(
            sql=compiled.string,
            names=names,
            positional=compiled.positional,
            defaults=dict(compiled.params),
            binds={
                name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                for name, bind in compiled.binds.items()
            },
            results=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self.statement.selected_columns
            ),
        )
        self._prepared[dialect.name] = found
        return found

    def one(self, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        """The first row (as the column types give it), or None."""
        prepared = self._prepare(db.engine.dialect)
        values = {**prepared.defaults, **(params or {})}
        for name, process in prepared.binds.items():
            if process is not None and values.get(name) is not None:
                values[name] = process(values[name])
        arguments: Any = values
        if prepared.positional:
            arguments = [values[name] for name in prepared.names]
        with raw_autocommit() as connection:
            cursor = connection.cursor()
            try:
                cursor.execute(prepared.sql, arguments)
                row = cursor.fetchone()
            finally:
                cursor.close()
        if row is None:
            return None
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(prepared.results, row, strict=True)
        )


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
        with db.engine.connect() as connection:
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
