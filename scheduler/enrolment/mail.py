"""Messages to applicants (and their support persons), in the application's language,
queued with the change that causes them: email, or a text message with the short link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment import reach
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.notify.outbox import queue_email, queue_sms

KIND_PREFIX = "enrolment."
# event -> template under templates/email/enrolment/ and templates/sms/enrolment/
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
# At most one "you already applied" message per application in this time: a stranger who
# keeps sending the form with someone's address cannot flood their mailbox or phone.
AGAIN_EVERY = timedelta(hours=1)


def personal_links(application: Application) -> dict[str, str]:
    """The applicant's links in emails; paths are fixed by the contract (API.md)."""
    return reach.personal_links(application)


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
    """Queue the message for `event` to everyone who gets the application's messages.

    Nobody to reach (a phone-only applicant who chose email): the region calls them.
    """
    contacts = reach.contacts_of(application)
    if not contacts:
        return
    language = reach.message_language(application)
    course = application.course
    context = {
        "application": application,
        "course": course,
        "event": event,
        "name": application.name,
        "next_session": next_session(application.course_id),
        **extra,
    }
    template = f"enrolment/{TEMPLATES[event]}"
    for contact in contacts:
        links = reach.links_for(contact, application)
        if contact.channel == reach.SMS:
            queue_sms(
                contact.address,
                template,
                language,
                kind=KIND_PREFIX + event,
                application_id=application.id,
                shrinkable={"name": application.name, "title": course.title.get(language)},
                contact=contact,
                links=links,
                **context,
            )
        else:
            queue_email(
                contact.address,
                template,
                language,
                kind=KIND_PREFIX + event,
                application_id=application.id,
                contact=contact,
                links=links,
                **context,
            )


def notify_again(application: Application) -> None:
    """Someone applied again with this application's address or number: send its link to
    the application's own contacts (never to whoever sent the new form).

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
