"""`flask --app scheduler meetings retry`: create the meetings a provider outage left missing.

Safe to run on every host at once (e.g. every minute from cron or a systemd timer): rows
are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL and leased before the network call.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from scheduler.meetings.services import retry_meetings

meetings = AppGroup("meetings", help="Video meetings of the sessions.")


@meetings.command("retry")
@click.option(
    "--all",
    "ignore_backoff",
    is_flag=True,
    help="Try every missing meeting now, without waiting for its next try time.",
)
def retry_command(ignore_backoff: bool) -> None:
    """Create missing meetings of coming sessions (and prepare the next day's)."""
    report = retry_meetings(ignore_backoff=ignore_backoff)
    click.echo(
        f"{report.created} created, {report.failed} failed, "
        f"{report.waiting} still without a link ({report.prepared} newly prepared)"
    )


COMMANDS = [meetings]
