"""Telling everyone affected that sessions were cancelled, moved or got a new video link.

`notify_session_change()` is the one entry point. `recipients_for()` decides who hears about
a change: the accepted participants (and, when the whole course is cancelled, the waitlisted
applicants) — each by email or text message, and their support person when they chose so
(scheduler.enrolment.reach) — and the planners of the regions that host or co-host the
changed sessions. Each gets one message in their own language, queued in the outbox with
the change itself.

A change that touches a session starting within 48 hours is urgent: subscribed calendars may
refresh only once a day, so the message is marked important and sent at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import selectinload

from scheduler.accounts.models import User
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment import reach
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.hosting.notifications import public_url
from scheduler.i18n import LocalizedText
from scheduler.notify.outbox import queue_email, queue_sms

URGENT_WITHIN = timedelta(hours=48)

# What happened; each is one kind of message (outbox kind "lifecycle.<event>").
SESSION_CANCELLED = "session_cancelled"
SESSION_MOVED = "session_moved"
LINK_CHANGED = "link_changed"
COURSE_CANCELLED = "course_cancelled"
SESSION_RESTORED = "session_restored"  # a cancelled session is held after all
EVENTS = (SESSION_CANCELLED, SESSION_MOVED, LINK_CHANGED, COURSE_CANCELLED, SESSION_RESTORED)

# Who a recipient is to the course.
PARTICIPANT = "participant"
WAITLISTED = "waitlisted"
PLANNER = "planner"


@dataclass(frozen=True)
class SessionChange:
    """One changed session; `old_starts_at`/`old_ends_at` are set when it was moved."""

    session: Session
    old_starts_at: datetime | None = None
    old_ends_at: datetime | None = None

    @property
    def earliest_start(self) -> datetime:
        starts = [self.session.starts_at]
        if self.old_starts_at is not None:
            starts.append(self.old_starts_at)
        return min(starts)

    @property
    def moved(self) -> bool:
        return self.old_starts_at is not None and (
            self.old_starts_at != self.session.starts_at or self.old_ends_at != self.session.ends_at
        )


@dataclass(frozen=True)
class Recipient:
    """One person to tell, and how ("email" or "sms")."""

    role: str  # participant | waitlisted | planner
    address: str
    language: str
    channel: str = "email"
    region: str | None = None
    application: Application | None = None
    contact: reach.Contact | None = None  # a participant's (or their support person's)


@dataclass
class NotifyReport:
    urgent: bool = False
    queued: int = 0
    by_role: dict[str, int] = field(default_factory=dict)


def is_urgent(changes: Iterable[SessionChange], now: datetime | None = None) -> bool:
    """Does the change touch a session that starts (or started to be) within 48 hours?"""
    now = now or utcnow()
    for change in changes:
        ends = change.session.ends_at
        if change.earliest_start <= now + URGENT_WITHIN and ends > now:
            return True
    return False


def recipients_for(course: Course, changes: Sequence[SessionChange], event: str) -> list[Recipient]:
    """Everyone to tell about `changes`: participants first, then planners (two queries)."""
    statuses = ["accepted"]
    if event == COURSE_CANCELLED:
        statuses.append("waitlisted")
    found: list[Recipient] = []
    if course.kind == "closed":
        applications = db.session.scalars(
            db.select(Application)
            .where(
                Application.course_id == course.id,
                Application.status.in_(statuses),
                Application.anonymised_at.is_(None),
            )
            .options(selectinload(Application.support_person))
            .order_by(Application.id)
        )
        for application in applications:
            # Nobody to reach (a phone-only applicant who chose email): the region calls.
            for contact in reach.contacts_of(application):
                found.append(
                    Recipient(
                        role=PARTICIPANT if application.status == "accepted" else WAITLISTED,
                        address=contact.address,
                        language=reach.message_language(application),
                        channel=contact.channel,
                        region=application.region_code,
                        application=application,
                        contact=contact,
                    )
                )
    regions = sorted(
        {
            code
            for change in changes
            for code in (change.session.host_region, change.session.cohost_region)
            if code
        }
    )
    if regions:
        planners = db.session.scalars(
            db.select(User)
            .where(User.role == "planner", User.active.is_(True), User.region_code.in_(regions))
            .order_by(User.region_code, User.id)
        )
        for planner in planners:
            found.append(
                Recipient(
                    role=PLANNER,
                    address=planner.email,
                    language=planner.language,
                    region=planner.region_code,
                )
            )
    return found


def notify_session_change(
    course: Course,
    changes: Sequence[SessionChange],
    event: str,
    *,
    reason: LocalizedText | None = None,
    now: datetime | None = None,
) -> NotifyReport:
    """Queue one message per affected person about `changes`; the caller commits."""
    if event not in EVENTS:
        raise ValueError(f"unknown change event {event}")
    changes = sorted(changes, key=lambda c: (c.session.starts_at, c.session.number))
    report = NotifyReport(urgent=is_urgent(changes, now))
    if not changes:
        return report
    for recipient in recipients_for(course, changes, event):
        _deliver(recipient, course, changes, event, reason, report.urgent)
        report.queued += 1
        report.by_role[recipient.role] = report.by_role.get(recipient.role, 0) + 1
    return report


def _deliver(
    recipient: Recipient,
    course: Course,
    changes: Sequence[SessionChange],
    event: str,
    reason: LocalizedText | None,
    urgent: bool,
) -> None:
    context: dict[str, Any] = {
        "course": course,
        "changes": changes,
        "event": event,
        "reason": reason.get(recipient.language) if reason is not None else "",
        "urgent_change": urgent,
        "person": recipient,
    }
    if recipient.application is not None and recipient.contact is not None:
        context["links"] = reach.links_for(recipient.contact, recipient.application)
        context["name"] = recipient.application.name
        context["contact"] = recipient.contact
        template = "lifecycle/participant"
    else:
        context["links"] = {"course": public_url("lifecycle.manage", course_id=course.id)}
        context["own"] = [
            change
            for change in changes
            if recipient.region in (change.session.host_region, change.session.cohost_region)
        ]
        template = "lifecycle/planner"
    if recipient.channel == reach.SMS:
        queue_sms(
            recipient.address,
            template,
            recipient.language,
            kind=f"lifecycle.{event}",
            urgent=urgent,
            application_id=recipient.application.id if recipient.application else None,
            # Shortened in this order when the text is too long: the name (the support
            # person knows whom they help), then the reason, then the title.
            shrinkable={
                "name": context.pop("name"),
                "reason": context.pop("reason"),
                "title": course.title.get(recipient.language),
            },
            **context,
        )
    else:
        queue_email(
            recipient.address,
            template,
            recipient.language,
            kind=f"lifecycle.{event}",
            urgent=urgent,
            # Personal notices belong to their application: its export and the purge find them.
            application_id=recipient.application.id if recipient.application else None,
            **context,
        )
