"""Command line: `flask --app scheduler …` (init-db, demo, users, outbox, …)."""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import AppGroup

import scheduler.models  # noqa: F401  (Alembic's commands need every table)
from scheduler.accounts.services import create_user, find_user, issue_token
from scheduler.backup import backup
from scheduler.database import init_db
from scheduler.demo import load_demo
from scheduler.enrolment.inputs import normal_phone
from scheduler.errors import DomainError
from scheduler.extensions import db
from scheduler.notify.outbox import deliver_pending, queue_email, queue_sms
from scheduler.worker import worker_command

users = AppGroup("users", help="Create users and API tokens.")
outbox = AppGroup("outbox", help="Deliver queued email and text messages.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users)
    app.cli.add_command(outbox)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup)
    # Domain packages may add their own command groups (reminders, meetings, privacy …).
    for package in ("hosting", "enrolment", "meetings", "calendars", "content", "followup"):
        try:
            module = importlib.import_module(f"scheduler.{package}.commands")
        except ModuleNotFoundError as error:
            if error.name != f"scheduler.{package}.commands":
                raise
            continue
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _fail(error: DomainError) -> None:
    details = "; ".join(
        f"{field}: {', '.join(str(m) for m in messages)}"
        for field, messages in error.errors.items()
    )
    raise click.ClickException(details or str(error.detail))


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the schema and load the regions (safe to run again)."""
    init_db()
    click.echo("Database is up to date.")


@click.command("demo")
def demo_command() -> None:
    """Load the three-region pilot (03, 05, 14) with one open and one closed course."""
    init_db()
    created = load_demo()
    db.session.commit()
    click.echo("Demo loaded." if created else "Demo was already loaded.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "planner", "facilitator"]), required=True)
@click.option("--region", default=None, help="Home region code, e.g. 05.")
@click.option("--name", default="", help="Display name.")
@click.option("--language", type=click.Choice(["fi", "sv"]), default="fi")
@click.password_option("--password", confirmation_prompt=True)
def create_user_command(
    email: str, role: str, region: str | None, name: str, language: str, password: str
) -> None:
    """Create a user."""
    try:
        user = create_user(email, role, password, region=region, name=name, language=language)
    except DomainError as error:
        db.session.rollback()
        _fail(error)
        return
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users.command("token")
@click.argument("email")
def token_command(email: str) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    try:
        user = find_user(email)
    except DomainError as error:
        _fail(error)
        return
    token = issue_token(user)
    db.session.commit()
    click.echo(f"API token for {user.email} (store it now; it is not shown again):")
    click.echo(token)


@outbox.command("send")
def outbox_send_command() -> None:
    """Deliver queued email and text messages now."""
    report = deliver_pending()
    click.echo(f"{report.sent} sent, {report.failed} failed")


@outbox.command("test")
@click.argument("email")
@click.option("--language", type=click.Choice(["fi", "sv"]), default="fi")
def outbox_test_command(email: str, language: str) -> None:
    """Queue a test message to EMAIL (deliver it with `outbox send`)."""
    queue_email(email, "test_message", language, kind="test", name=email.split("@")[0])
    db.session.commit()
    click.echo("Test message queued.")


@outbox.command("test-sms")
@click.argument("phone")
@click.option("--language", type=click.Choice(["fi", "sv"]), default="fi")
def outbox_test_sms_command(phone: str, language: str) -> None:
    """Queue a test text message to PHONE (e.g. 040 123 4567; deliver with `outbox send`)."""
    number = normal_phone(phone)
    if number is None:
        raise click.UsageError("PHONE is not a phone number, e.g. 040 123 4567.")
    queue_sms(number, "test_message", language, kind="test", name="Etäpäivä")
    db.session.commit()
    click.echo("Test text message queued.")
