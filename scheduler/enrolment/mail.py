"""Emails to applicants, in the applicant's language, queued with the change that causes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import queue_email

KIND_PREFIX = "enrolment."
# event -> email template under templates/email/enrolment/
TEMPLATES = {
    "received": "received",
    "accepted": "accepted",
    "promoted": "accepted",
    "waitlisted": "waitlisted",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "removed": "withdrawn",
    "again": "again",
}
# At most one "you already applied" email per application in this time: a stranger who
# keeps sending the form with someone's address cannot flood their mailbox.
AGAIN_EVERY = timedelta(hours=1)


def personal_links(application: Application) -> dict[str, str]:
    """The applicant's links; paths are fixed by the contract (API.md)."""
    token = personal_token(application)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "personal": f"{base}/my/{token}",
        "join": f"{base}/join/p/{token}",
        "calendar": f"{base}/calendar/p/{token}.ics",
    }


def next_session(course_id: int) -> Session | None:
    return db.session.scalar(
        db.select(Session)
        .where(
            Session.course_id == course_id,
            Session.status == "scheduled",
            Session.ends_at >= utcnow(),
        )
        .order_by(Session.starts_at)
        .limit(1)
    )


def notify(application: Application, event: str, **extra: Any) -> None:
    """Queue the email for `event`; applicants who gave only a phone number are called instead."""
    if not application.email:
        return
    queue_email(
        application.email,
        f"enrolment/{TEMPLATES[event]}",
        application.language,
        kind=KIND_PREFIX + event,
        application_id=application.id,
        application=application,
        course=application.course,
        event=event,
        links=personal_links(application),
        next_session=next_session(application.course_id),
        **extra,
    )


def notify_again(application: Application) -> None:
    """Someone applied again with this application's address: send the address its link.

    Sent at most once per AGAIN_EVERY for one application.
    """
    recent = db.session.scalar(
        db.select(OutboxMessage.id)
        .where(
            OutboxMessage.application_id == application.id,
            OutboxMessage.kind == KIND_PREFIX + "again",
            OutboxMessage.created_at > utcnow() - AGAIN_EVERY,
        )
        .limit(1)
    )
    if recent is None:
        notify(application, "again")
