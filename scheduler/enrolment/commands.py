"""Command line of the enrolment part: `flask --app scheduler privacy purge`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from scheduler.config import new_fernet_key
from scheduler.enrolment.privacy import purge
from scheduler.rekey import reencrypt_all

privacy = AppGroup("privacy", help="Applicants' personal data.")


@privacy.command("purge")
def purge_command() -> None:
    """Anonymise applications of courses that ended more than PRIVACY_RETENTION_DAYS ago."""
    from flask import current_app

    count = purge()
    days = current_app.config["PRIVACY_RETENTION_DAYS"]
    click.echo(f"{count} applications anonymised (courses ended over {days} days ago).")


@privacy.command("reencrypt")
def reencrypt_command() -> None:
    """Encrypt every stored health-data value with the newest DATA_ENCRYPTION_KEYS key.

    Put a new key first in DATA_ENCRYPTION_KEYS (keep the old ones after it), restart,
    run this, then remove the old keys. Also encrypts any value still in clear text.
    """
    count = reencrypt_all()
    click.echo(f"{count} values re-encrypted under the newest key.")


@privacy.command("new-key")
def new_key_command() -> None:
    """Print a new random data encryption key (for DATA_ENCRYPTION_KEYS)."""
    click.echo(new_fernet_key())


COMMANDS = [privacy]
