"""Command line of the enrolment part: `flask --app scheduler privacy purge`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

privacy = AppGroup("privacy", help="Applicants' personal data.")


@privacy.command("purge")
def purge_command() -> None:
    """Anonymise applications of courses that ended more than PRIVACY_RETENTION_DAYS ago."""
    from flask import current_app

    from scheduler.enrolment.privacy import purge

    count = purge()
    days = current_app.config["PRIVACY_RETENTION_DAYS"]
    click.echo(f"{count} applications anonymised (courses ended over {days} days ago).")


COMMANDS = [privacy]
