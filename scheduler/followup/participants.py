"""Accepted participants of closed courses, and the personal links written into their
messages (the short links in text messages)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy.orm import selectinload

from scheduler.enrolment import reach
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import personal_token
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES


def participants_by_course(course_ids: Iterable[int]) -> dict[int, list[Application]]:
    """Accepted, not anonymised participants (with their support persons), in two queries.

    Whom to write to and how is `reach.contacts_of(application)`."""
    ids = sorted(set(course_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        db.select(Application)
        .where(
            Application.course_id.in_(ids),
            Application.status == "accepted",
            Application.anonymised_at.is_(None),
        )
        .options(selectinload(Application.support_person))
        .order_by(Application.course_id, Application.id)
    )
    found: dict[int, list[Application]] = {course_id: [] for course_id in ids}
    for application in rows:
        found[application.course_id].append(application)
    return found


def email_language(application: Application) -> str:
    return application.language if application.language in LANGUAGES else LANGUAGES[0]


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def personal_links(application: Application) -> dict[str, str]:
    """The participant's join page and own page (where they can withdraw)."""
    token = personal_token(application)
    return {"join_url": public_url(f"/join/p/{token}"), "my_url": public_url(f"/my/{token}")}


def links_for(contact: reach.Contact, application: Application) -> dict[str, str]:
    """personal_links, or their short forms for a text message."""
    if contact.channel != reach.SMS:
        return personal_links(application)
    short = reach.short_links(application)
    return {"join_url": short["join"], "my_url": short["personal"]}
