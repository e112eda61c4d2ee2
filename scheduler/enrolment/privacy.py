"""Applicants' data: the download of everything stored about one applicant, and the purge.

The purge anonymises applications of courses that ended more than PRIVACY_RETENTION_DAYS
ago: contact details and free text are cleared, the support person is deleted, the
personal and short links are revoked, every email and text message of the application is
deleted (sent or not, of any kind), and only region, language and status stay for
statistics. It claims rows with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so it may run on several hosts at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_

from scheduler.accounts import passwords
from scheduler.accounts import throttle as sign_in_throttle
from scheduler.accounts.models import User
from scheduler.audit import AuditEntry
from scheduler.courses.models import Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment import throttle
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import revoke_token
from scheduler.extensions import db
from scheduler.i18n import iso_local
from scheduler.notify.models import OutboxMessage

BATCH = 200
# Kinds of email that go to applicants and carry their name and personal links.
PERSONAL_KINDS = ("enrolment.", "followup.")


def purge(now: datetime | None = None) -> int:
    """Anonymise every due application; commits per batch; returns how many were changed."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["PRIVACY_RETENTION_DAYS"])
    ended = (
        db.select(Session.course_id)
        .group_by(Session.course_id)
        .having(func.max(Session.ends_at) < cutoff)
    )
    total = 0
    while True:
        query = (
            db.select(Application)
            .where(Application.anonymised_at.is_(None), Application.course_id.in_(ended))
            .order_by(Application.id)
            .limit(BATCH)
        )
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        batch = list(db.session.scalars(query))
        if not batch:
            break
        for application in batch:
            anonymise(application, now)
        _forget_mail([application.id for application in batch])
        db.session.commit()
        total += len(batch)
    _forget_unowned_mail(cutoff)
    throttle.forget_old()
    sign_in_throttle.forget_old()
    passwords.forget_old_links()
    db.session.commit()
    return total


def anonymise(application: Application, now: datetime) -> None:
    application.name = ""
    application.email = ""
    application.phone = ""
    application.phone_hash = None
    application.support_person = None  # the row is deleted (delete-orphan)
    application.needs = ""
    application.message = ""
    application.anonymised_at = now
    revoke_token(application)


def _forget_mail(application_ids: list[int]) -> None:
    """Every email of these applications goes, of whatever kind, sent or not: enrolment
    emails, reminders and feedback invitations all repeat a name and a personal link."""
    db.session.execute(
        db.delete(OutboxMessage).where(OutboxMessage.application_id.in_(application_ids))
    )


def _forget_unowned_mail(cutoff: datetime) -> None:
    """Personal emails that name no application (queued before emails recorded theirs, or
    whose application was deleted) go once they are older than the retention time."""
    db.session.execute(
        db.delete(OutboxMessage).where(
            OutboxMessage.application_id.is_(None),
            or_(*(OutboxMessage.kind.startswith(prefix) for prefix in PERSONAL_KINDS)),
            OutboxMessage.created_at < cutoff,
        )
    )


def personal_data(application: Application) -> dict[str, Any]:
    """Everything the service stores about this applicant, as plain JSON."""
    course = application.course
    return {
        "explanation": _(
            "This is all the information we keep about your application. The personal "
            "link is stored only in a scrambled form."
        ),
        "exported_at": iso_local(utcnow()),
        "application": {
            "id": application.id,
            "course": {"id": course.id, "title": course.title.as_dict()},
            "name": application.name,
            "email": application.email,
            "phone": application.phone,
            "region": application.region_code,
            "language": application.language,
            "needs": application.needs,
            "message": application.message,
            "on_behalf": application.on_behalf,
            "contact": application.contact,
            "messages_to": application.messages_to,
            "support_person": (
                application.support_person.as_dict() if application.support_person else None
            ),
            "consent_at": iso_local(application.consent_at),
            "status": application.status,
            "submitted_at": iso_local(application.submitted_at),
            "status_changed_at": iso_local(application.status_changed_at),
            "anonymised_at": iso_local(application.anonymised_at),
        },
        "history": _history(application),
        "viewed_by": _views(application),
        "emails": _emails(application),
    }


def _actor_roles(entries: list[AuditEntry]) -> dict[int, str]:
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.role).where(User.id.in_(ids))).all())


def _by(entry: AuditEntry, roles: dict[int, str]) -> str:
    if entry.actor_id is not None:
        return roles.get(entry.actor_id, "staff")
    return entry.actor_kind


def _history(application: Application) -> list[dict[str, Any]]:
    entries = list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(
                AuditEntry.object_type == Application.__tablename__,
                AuditEntry.object_id == str(application.id),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )
    roles = _actor_roles(entries)
    return [
        {
            "at": iso_local(entry.at),
            "action": entry.action,
            "by": _by(entry, roles),
            "from": entry.changes.get("from"),
            "to": entry.changes.get("to"),
        }
        for entry in entries
    ]


def _views(application: Application) -> list[dict[str, Any]]:
    """When staff opened a list of applicants that included this applicant (role only)."""
    entries = [
        entry
        for entry in db.session.scalars(
            db.select(AuditEntry)
            .where(
                AuditEntry.action == "application.list_view",
                AuditEntry.object_type == "course",
                AuditEntry.object_id == str(application.course_id),
                AuditEntry.at >= application.submitted_at,
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        if entry.changes.get("region") in (application.region_code, "all")
    ]
    roles = _actor_roles(entries)
    return [{"at": iso_local(entry.at), "by": _by(entry, roles)} for entry in entries]


def _emails(application: Application) -> list[dict[str, Any]]:
    """This application's own emails only: never others sent to the same address, which
    whoever typed that address into a form must not read."""
    messages = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.application_id == application.id)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return [
        {
            "kind": message.kind,
            "channel": message.channel,
            "to": message.phone if message.channel == "sms" else message.recipient,
            "subject": message.subject,
            "body": message.body,
            "created_at": iso_local(message.created_at),
            "sent_at": iso_local(message.sent_at),
        }
        for message in messages
    ]
