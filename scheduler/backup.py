"""Backups of the PostgreSQL database with pg_dump and pg_restore.

`flask --app scheduler backup dump FILE` writes the configured database to FILE in
pg_dump's custom format (compressed; restorable table by table); `backup restore FILE`
replaces the database's contents with FILE in one transaction (all or nothing), and
`backup summary` prints every table's row count and a checksum of the applications, to
compare a restored database with the original. The password travels in PGPASSWORD, never on
a command line. The SQLite default needs none of this: copy the file while the service is
stopped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from scheduler.extensions import db

backup = AppGroup("backup", help="Back up and restore the PostgreSQL database.")


class BackupError(Exception):
    """The database is not PostgreSQL, a tool is missing, or the tool failed."""


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The libpq address (without the password) and the environment that carries the password."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BackupError("backups with pg_dump need a PostgreSQL database")
    address = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    env = {"PGPASSWORD": str(parsed.password)} if parsed.password else {}
    return address.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def dump(url: str, target: Path) -> None:
    """pg_dump in the custom format; ownership and grants are left to the restoring site."""
    address, env = libpq_target(url)
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            f"--dbname={address}",
        ],
        env,
    )


def restore(url: str, source: Path) -> None:
    """Drop what the dump holds and create it again from the dump, in one transaction."""
    address, env = libpq_target(url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={address}",
            str(source),
        ],
        env,
    )


@dataclass(frozen=True)
class Summary:
    rows: dict[str, int]  # table -> row count
    applications: str  # SHA-256 over every application row in id order

    def lines(self) -> list[str]:
        found = [f"{table} {count}" for table, count in sorted(self.rows.items())]
        return [*found, f"applications checksum {self.applications}"]


def summary() -> Summary:
    """Every table's row count and a checksum of the applications, in the current database."""
    connection = db.session.connection()
    rows = {}
    for table in sorted(inspect(connection).get_table_names()):
        quoted = connection.dialect.identifier_preparer.quote(table)
        rows[table] = connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one()
    digest = hashlib.sha256()
    if "application" in rows:
        result = connection.execute(text("SELECT * FROM application ORDER BY id"))
        for row in result:
            digest.update(repr(tuple(row)).encode("utf-8"))
            digest.update(b"\n")
    return Summary(rows=rows, applications=digest.hexdigest())


def _url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@backup.command("dump")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def dump_command(file: Path) -> None:
    """Write the database to FILE (pg_dump custom format)."""
    try:
        dump(_url(), file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {file} ({file.stat().st_size} bytes).")


@backup.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database's contents.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database's contents with the backup FILE (one transaction)."""
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds a lock on the tables
    try:
        restore(_url(), file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored from {file}.")


@backup.command("summary")
def summary_command() -> None:
    """Print every table's row count and the applications' checksum."""
    for line in summary().lines():
        click.echo(line)
