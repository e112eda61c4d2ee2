"""Reminders the day before each session of a closed course, by email or text message.

A session on local day D is due for a reminder from D-1 at REMINDER_TIME (Europe/Helsinki)
until it starts. The command may run often and on several hosts: each (session,
participant, contact) message has the dedupe key `reminder:{session_id}:{application_id}`
(with `:sms`, `:support_person` … for the other contacts of the application), so it is
queued once whoever gets there first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from babel.dates import format_date, format_skeleton
from flask import current_app
from sqlalchemy.orm import contains_eager

from scheduler import audit
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment import reach
from scheduler.extensions import db
from scheduler.followup.mailing import queue_email_once, queue_sms_once
from scheduler.followup.participants import email_language, links_for, participants_by_course
from scheduler.i18n import HELSINKI

# A reminder is never due more than 48 hours before the start (the day before, from 00:00);
# two hours more cover the day the clocks go back.
LOOKAHEAD = timedelta(hours=50)


@dataclass(frozen=True)
class QueueReport:
    queued: int
    already: int


def reminder_due_from(starts_at: datetime, reminder_time: str) -> datetime:
    """The moment (UTC) from which the reminder for a session starting at `starts_at` is due."""
    hours, _, minutes = reminder_time.partition(":")
    day_before = starts_at.astimezone(HELSINKI).date() - timedelta(days=1)
    local = datetime.combine(day_before, time(int(hours), int(minutes)), tzinfo=HELSINKI)
    return local.astimezone(UTC)


def due_sessions(now: datetime) -> list[Session]:
    """Scheduled sessions of closed courses whose reminder is due and that have not started."""
    reminder_time = current_app.config["REMINDER_TIME"]
    candidates = db.session.scalars(
        db.select(Session)
        .join(Session.course)
        .options(contains_eager(Session.course))
        .where(
            Course.kind == "closed",
            Session.status == "scheduled",
            Session.starts_at > now,
            Session.starts_at <= now + LOOKAHEAD,
        )
        .order_by(Session.starts_at, Session.id)
    )
    return [s for s in candidates if reminder_due_from(s.starts_at, reminder_time) <= now]


def _clock(moment: datetime, language: str) -> str:
    local = moment.astimezone(HELSINKI)
    return local.strftime("%H.%M" if language == "fi" else "%H:%M")


def send_reminders(now: datetime | None = None) -> QueueReport:
    """Queue every due reminder not yet queued; commits after each session."""
    now = now or utcnow()
    sessions = due_sessions(now)
    participants = participants_by_course(s.course_id for s in sessions)
    window = current_app.config["JOIN_WINDOW_MINUTES"]
    today = now.astimezone(HELSINKI).date()
    queued = already = 0
    for session in sessions:
        queued_here = 0
        for application in participants.get(session.course_id, []):
            language = email_language(application)
            local_day = session.starts_at.astimezone(HELSINKI).date()
            title = session.course.title.get(language)
            for contact in reach.contacts_of(application):
                context = {
                    "name": application.name,
                    "contact": contact,
                    "day": format_date(local_day, "full", language),
                    "short_day": format_skeleton("MEd", local_day, locale=language),
                    "starts": _clock(session.starts_at, language),
                    "ends": _clock(session.ends_at, language),
                    "window": window,
                    "is_today": local_day == today,
                    **links_for(contact, application),
                }
                key = f"reminder:{session.id}:{application.id}{contact.key()}"
                if contact.channel == reach.SMS:
                    added = queue_sms_once(
                        contact.address,
                        "followup/reminder",
                        language,
                        kind="followup.reminder",
                        dedupe_key=key,
                        application_id=application.id,
                        shrinkable={"name": context.pop("name"), "course_title": title},
                        course=session.course,  # for the telephone dial-in, when there is one
                        **context,
                    )
                else:
                    added = queue_email_once(
                        contact.address,
                        "followup/reminder",
                        language,
                        kind="followup.reminder",
                        dedupe_key=key,
                        application_id=application.id,
                        course_title=title,
                        course=session.course,  # for the telephone dial-in, when there is one
                        **context,
                    )
                if added:
                    queued_here += 1
                else:
                    already += 1
        if queued_here:
            audit.record("session.reminders_queued", session, count=queued_here)
        queued += queued_here
        db.session.commit()
    return QueueReport(queued=queued, already=already)
