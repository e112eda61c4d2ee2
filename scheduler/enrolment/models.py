"""Applications to closed courses; an accepted application is a participant.

The personal link's token is derived from the server secret and a per-application nonce
(scheduler.security.derived_token) so reminder emails can carry it again; only its hash
is stored. The short link for text messages (`/m/<code>`, `/j/<code>`) is derived the same
way and stored as `short_hash`. A new nonce revokes both.

An applicant is reached by email or SMS (`contact`), and may name a support person, who is
a party of their own: name and contact (encrypted at rest), and the messages go to the
applicant, the support person or both (`messages_to`). The two hold one seat together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.courses.models import Course
from scheduler.dbtypes import EncryptedText, UTCDateTime, utcnow
from scheduler.extensions import db

APPLICATION_STATUSES = ("submitted", "accepted", "waitlisted", "rejected", "withdrawn")
# state -> states it may move to (DESIGN.md, Enrolment).
TRANSITIONS = {
    "submitted": {"accepted", "waitlisted", "rejected", "withdrawn"},
    "waitlisted": {"accepted", "withdrawn"},
    "accepted": {"withdrawn"},
    "rejected": set(),
    "withdrawn": set(),
}
TOKEN_PURPOSE = "participant"
# What a planner may set with a decision (withdrawn: remove an accepted participant).
PLANNER_DECISIONS = ("accepted", "waitlisted", "rejected", "withdrawn")
# States in which the applicant still holds or waits for a seat (they may withdraw).
ACTIVE_STATUSES = ("submitted", "accepted", "waitlisted")
CHANNELS = ("email", "sms")
# Who receives the messages about an application.
APPLICANT = "applicant"
SUPPORT_PERSON = "support_person"
BOTH = "both"
MESSAGE_TARGETS = (APPLICANT, SUPPORT_PERSON, BOTH)


class Application(db.Model):
    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_course_status", "course_id", "status"),
        Index("ix_application_course_region", "course_id", "region_code"),
        # Not unique: the public API answers every stored submission with a new id, so a
        # second application with the same address cannot be refused without telling a
        # stranger that the address applied (see services.submit). The form stores none.
        Index("ix_application_course_email", "course_id", "email"),
        # The planner's desk: applications of one region waiting for a decision.
        Index("ix_application_region_status", "region_code", "status"),
        # A phone-only applicant who applies again is found by a keyed hash of the number.
        Index("ix_application_course_phone_hash", "course_id", "phone_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    # Special-category data is encrypted at rest (scheduler.crypto); it cannot be searched.
    phone: Mapped[str] = mapped_column(EncryptedText, default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    language: Mapped[str] = mapped_column(String(2))
    needs: Mapped[str] = mapped_column(EncryptedText, default="")
    message: Mapped[str] = mapped_column(EncryptedText, default="")
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the applicant reached the current status; the waiting list is served oldest first.
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    token_nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The short link's hash (NULL only for applications whose link no longer works).
    short_hash: Mapped[str | None] = mapped_column(
        String(64), unique=True, index=True, nullable=True
    )
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "email" or "sms": how the applicant's own messages reach them.
    contact: Mapped[str] = mapped_column(String(5), default="email", server_default="email")
    # HMAC of the E.164 number under the server secret: equal numbers, equal hashes.
    phone_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # applicant | support_person | both
    messages_to: Mapped[str] = mapped_column(
        String(14), default=APPLICANT, server_default=APPLICANT
    )

    course: Mapped[Course] = relationship()
    support_person: Mapped[SupportPerson | None] = relationship(
        back_populates="application", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_participant(self) -> bool:
        return self.status == "accepted"


class SupportPerson(db.Model):
    """The person who helps an applicant: their own name and contact, encrypted at rest."""

    __tablename__ = "support_person"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(EncryptedText, default="")
    email: Mapped[str] = mapped_column(EncryptedText, default="")
    phone: Mapped[str] = mapped_column(EncryptedText, default="")
    relation: Mapped[str] = mapped_column(EncryptedText, default="")
    # "email" or "sms": how messages reach the support person.
    contact: Mapped[str] = mapped_column(String(5), default="email")

    application: Mapped[Application] = relationship(back_populates="support_person")

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "relation": self.relation,
            "contact": self.contact,
        }


class SubmissionThrottle(db.Model):
    """One row per accepted anonymous submission, keyed by a keyed hash of the address.

    Kept apart from Application on purpose: rows link to no person, live one hour and are
    deleted by the next submission or `privacy purge`.
    """

    __tablename__ = "application_throttle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
