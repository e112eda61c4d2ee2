"""`flask reminders send` and `flask feedback send`: safe to run from cron on every host."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from scheduler.dbtypes import utcnow
from scheduler.extensions import db
from scheduler.followup.mailing import forget_delivered
from scheduler.followup.services import send_invites, send_reminders
from scheduler.i18n import HELSINKI
from scheduler.notify.outbox import deliver_pending

reminders = AppGroup("reminders", help="Reminder emails the day before each session.")
feedback = AppGroup("feedback", help="Feedback questionnaires after a course.")


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use a date and time like 2027-01-12T09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=HELSINKI)


NOW_OPTION = click.option(
    "--now", default=None, help="Act as if it were this local time (testing, catching up)."
)
QUEUE_ONLY_OPTION = click.option(
    "--queue-only", is_flag=True, help="Only queue the emails; `outbox send` delivers them."
)


def _deliver(queue_only: bool) -> str:
    """Deliver the outbox (unless asked not to) and forget old delivered follow-up mail."""
    forget_delivered(utcnow())
    db.session.commit()
    if queue_only:
        return "not delivered (--queue-only)"

    report = deliver_pending()
    return f"mail: {report.sent} sent, {report.failed} failed"


@reminders.command("send")
@NOW_OPTION
@QUEUE_ONLY_OPTION
def send_reminders_command(now: str | None, queue_only: bool) -> None:
    """Queue due reminders (each once, whoever runs first), then deliver the outbox."""
    report = send_reminders(_moment(now))
    click.echo(
        f"reminders: {report.queued} queued, {report.already} already queued; "
        + _deliver(queue_only)
    )


@feedback.command("send")
@NOW_OPTION
@QUEUE_ONLY_OPTION
def send_feedback_command(now: str | None, queue_only: bool) -> None:
    """Invite the participants of finished closed courses to give feedback (once each)."""
    report = send_invites(_moment(now))
    click.echo(
        f"feedback invites: {report.queued} queued, {report.already} already sent; "
        + _deliver(queue_only)
    )


COMMANDS = [reminders, feedback]
