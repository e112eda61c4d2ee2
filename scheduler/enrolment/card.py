"""The printable card of a participant: everything needed to take part, on one A4 page.

The course, every scheduled session, the personal join link as a QR code (made by
`segno`, an SVG data URI, which the page's Content-Security-Policy allows as an image)
and as a short address to type, the telephone dial-in when the meeting has one, and whom
to contact (the participant's home region).
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

from scheduler.courses.models import Course, Session
from scheduler.enrolment import reach
from scheduler.enrolment.models import Application, SupportPerson
from scheduler.extensions import db
from scheduler.meetings.dialin import DialIn
from scheduler.meetings.services import dial_in_for
from scheduler.regions.data import RegionFact, region_facts


@dataclass(frozen=True)
class Card:
    application: Application
    course: Course
    sessions: list[Session]
    support_person: SupportPerson | None
    join_url: str  # the personal join link, also in the QR code
    short_join_url: str  # the same page, short enough to type
    qr_data_uri: str
    dial_in: DialIn | None
    region: RegionFact | None


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI (medium error correction, quiet zone 4)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=8, border=4)


def card_of(application: Application) -> Card:
    """The card's contents; a constant number of queries however many sessions there are."""
    course = application.course
    sessions = list(
        db.session.scalars(
            db.select(Session)
            .where(Session.course_id == course.id, Session.status == "scheduled")
            .order_by(Session.starts_at, Session.number)
        )
    )
    join_url = reach.personal_links(application)["join"]
    return Card(
        application=application,
        course=course,
        sessions=sessions,
        support_person=application.support_person,
        join_url=join_url,
        short_join_url=reach.short_links(application)["join"],
        qr_data_uri=qr_data_uri(join_url),
        dial_in=dial_in_for(course),
        region=next((f for f in region_facts() if f.code == application.region_code), None),
    )
