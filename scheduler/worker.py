"""`flask --app scheduler worker`: every background job in one loop.

For hosts without systemd timers (a container, a developer's machine). Each round queues due
reminders and feedback invitations, retries missing meetings, delivers the outbox, and once a
day anonymises old applications. Every job claims its work with row locks or dedupe keys, so
any number of these loops (and the timers of deploy/systemd) may run at once on any hosts.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import click

from scheduler.dbtypes import utcnow
from scheduler.enrolment.privacy import purge
from scheduler.extensions import db
from scheduler.followup.feedback import send_invites
from scheduler.followup.mailing import forget_delivered
from scheduler.followup.reminders import send_reminders
from scheduler.i18n import HELSINKI
from scheduler.meetings.services import retry_meetings
from scheduler.notify.outbox import deliver_pending

log = logging.getLogger(__name__)


def _reminders() -> Any:
    report = send_reminders()
    forget_delivered(utcnow())
    return report


JOBS: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("reminders", _reminders),
    ("feedback", send_invites),
    ("meetings", retry_meetings),
    ("outbox", deliver_pending),
)


def run_round(today: date | None, last_purge: date | None) -> date | None:
    """One pass over the jobs; a failing job is logged and the others still run."""
    for name, job in JOBS:
        _run(name, job)
    if today is not None and today != last_purge:
        _run("privacy purge", purge)
        return today
    return last_purge


def _run(name: str, job: Callable[[], Any]) -> None:
    try:
        job()
        db.session.commit()
    except Exception:  # the next round tries again
        db.session.rollback()
        log.exception("worker: %s failed", name)
    finally:
        db.session.remove()


@click.command("worker")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between rounds.")
@click.option("--once", is_flag=True, help="Run one round and stop.")
@click.option("--rounds", type=int, default=None, help="Stop after this many rounds.")
def worker_command(interval: float, once: bool, rounds: int | None) -> None:
    """Run the background jobs in a loop until stopped (SIGTERM ends it after a round)."""
    stopping = {"now": False}

    def stop(signum: int, frame: Any) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    last_purge: date | None = None
    done = 0
    while True:
        last_purge = run_round(utcnow().astimezone(HELSINKI).date(), last_purge)
        done += 1
        if once or stopping["now"] or (rounds is not None and done >= rounds):
            break
        slept = 0.0
        while slept < interval and not stopping["now"]:
            time.sleep(min(0.5, interval - slept))
            slept += 0.5
        if stopping["now"]:
            break
    click.echo(f"worker: {done} rounds")
