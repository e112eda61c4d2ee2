"""Anonymous feedback: one-time invites for closed courses, a public form for open groups.

The invite knows who was asked; the answer knows only the course, the region, the
language and the answers. Nothing joins the two: answering locks the invite, flags it
used (a flag, no time) and adds an answer row without any reference to the invite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from scheduler import audit
from scheduler.boundary.numbers import whole_number
from scheduler.courses.models import Course, Session
from scheduler.dbtypes import utcnow
from scheduler.enrolment import reach
from scheduler.enrolment.models import Application
from scheduler.errors import Conflict, FieldErrors, NotFound
from scheduler.extensions import db
from scheduler.followup.mailing import (
    insert_ignoring_duplicates,
    queue_email_once,
    queue_sms_once,
)
from scheduler.followup.models import (
    AGAIN,
    EXPECTATIONS,
    FREE_TEXT_MAX,
    RATINGS,
    FeedbackAnswer,
    FeedbackInvite,
)
from scheduler.followup.participants import email_language, participants_by_course, public_url
from scheduler.followup.reminders import QueueReport
from scheduler.security import hash_token, new_token

# Invites go out for courses whose last session ended at most this long ago, so that the
# first run after an upgrade does not write to participants of long-finished courses.
INVITE_WITHIN = timedelta(days=30)
NO_REGION = "none"


@dataclass(frozen=True)
class FeedbackInput:
    expectations: str
    topics: int
    facilitators: int
    again: str
    free_text: str
    with_support: bool
    region_code: str | None = None


# The question numbers on the form, so every message says which question it is about.
QUESTION_NUMBERS = {"expectations": 1, "topics": 2, "facilitators": 3, "again": 4, "free_text": 5}


def _rating(value: Any, field: str, errors: FieldErrors) -> int:
    number = QUESTION_NUMBERS[field]
    if value is None or value == "":
        errors.add(
            field, _l("Question %(number)d: please choose a number from 1 to 5.", number=number)
        )
        return 0
    rating = whole_number(value) if isinstance(value, str) else None
    if rating not in RATINGS:
        errors.add(
            field,
            _l("Question %(number)d: the answer must be a number from 1 to 5.", number=number),
        )
        return 0
    return rating


def _choice(value: Any, field: str, allowed: tuple[str, ...], errors: FieldErrors) -> str:
    number = QUESTION_NUMBERS[field]
    if value is None or value == "":
        errors.add(field, _l("Question %(number)d: please choose one answer.", number=number))
        return ""
    if value not in allowed:
        errors.add(
            field, _l("Question %(number)d: please choose one of the answers shown.", number=number)
        )
        return ""
    return str(value)


def _checked(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"on", "1", "true", "yes"})


def parse_feedback(data: Mapping[str, Any], *, regions: list[str] | None = None) -> FeedbackInput:
    """Check the answers; raise ValidationFailed naming every problem.

    `regions` is given for open groups, where the participant may tell their region.
    """
    errors = FieldErrors()
    expectations = _choice(data.get("expectations"), "expectations", EXPECTATIONS, errors)
    topics = _rating(data.get("topics"), "topics", errors)
    facilitators = _rating(data.get("facilitators"), "facilitators", errors)
    again = _choice(data.get("again"), "again", AGAIN, errors)
    free_text = data.get("free_text") or ""
    if not isinstance(free_text, str):
        errors.add("free_text", _l("Question 5: the text could not be read."))
        free_text = ""
    free_text = free_text.replace("\r\n", "\n").strip()
    if len(free_text) > FREE_TEXT_MAX:
        errors.add(
            "free_text",
            _l(
                "Question 5: the text is too long. It can have at most %(max)d characters. "
                "Now it has %(count)d.",
                max=FREE_TEXT_MAX,
                count=len(free_text),
            ),
        )
    region_code = None
    if regions is not None:
        region = data.get("region") or NO_REGION
        if region != NO_REGION and region not in regions:
            errors.add("region", _l("Where do you live: please choose a region from the list."))
        elif region != NO_REGION:
            region_code = str(region)
    errors.raise_if_any(_l("Some answers are missing or need checking."))
    return FeedbackInput(
        expectations=expectations,
        topics=topics,
        facilitators=facilitators,
        again=again,
        free_text=free_text,
        with_support=_checked(data.get("with_support")),
        region_code=region_code,
    )


def _store(course_id: int, region_code: str | None, language: str, answer: FeedbackInput) -> None:
    db.session.add(
        FeedbackAnswer(
            course_id=course_id,
            region_code=region_code,
            language=language,
            expectations=answer.expectations,
            topics=answer.topics,
            facilitators=answer.facilitators,
            again=answer.again,
            free_text=answer.free_text,
            with_support=answer.with_support,
        )
    )


# --- closed courses: personal one-time invites -------------------------------------------------


def find_invite(token: str, *, for_update: bool = False) -> FeedbackInvite | None:
    if not token or len(token) > 100:
        return None
    query = db.select(FeedbackInvite).where(FeedbackInvite.token_hash == hash_token(token))
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def open_invite(token: str) -> tuple[FeedbackInvite, Course]:
    """The unused invite and its course; NotFound or Conflict (already answered)."""
    invite = find_invite(token)
    if invite is None:
        raise NotFound(_l("This feedback link is not valid. Please check the link in the email."))
    if invite.used:
        raise Conflict(_l("This feedback has already been given. Thank you!"))
    return invite, db.session.get(Course, invite.course_id)


def answer_with_invite(token: str, data: Mapping[str, Any], language: str) -> None:
    """Store the answer and use up the invite, in the caller's transaction."""
    invite = find_invite(token, for_update=True)
    if invite is None:
        raise NotFound(_l("This feedback link is not valid. Please check the link in the email."))
    if invite.used:
        raise Conflict(_l("This feedback has already been given. Thank you!"))
    answer = parse_feedback(data)
    invite.used = True
    _store(invite.course_id, invite.region_code, language, answer)
    # The entry names the course only: never the invite, the participant or the answer.
    course = db.session.get(Course, invite.course_id)
    audit.record("feedback.answer", course, actor_kind="participant")


def courses_due_for_invites(now: datetime) -> list[Course]:
    """Closed courses whose last scheduled session ended recently."""
    last_end = (
        db.select(Session.course_id, func.max(Session.ends_at).label("last_end"))
        .where(Session.status == "scheduled")
        .group_by(Session.course_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            db.select(Course)
            .join(last_end, last_end.c.course_id == Course.id)
            .where(
                Course.kind == "closed",
                last_end.c.last_end <= now,
                last_end.c.last_end >= now - INVITE_WITHIN,
            )
            .order_by(Course.id)
        )
    )


def send_invites(now: datetime | None = None) -> QueueReport:
    """Create an invite and queue its email for every participant not yet invited.

    Idempotent and safe on several hosts at once: the invite's unique (course, application)
    and the email's dedupe key make a second run, or a concurrent one, skip quietly.
    """
    now = now or utcnow()
    courses = courses_due_for_invites(now)
    participants = participants_by_course(c.id for c in courses)
    queued = already = 0
    for course in courses:
        queued_here = 0
        for application in participants.get(course.id, []):
            contacts = reach.contacts_of(application)
            if not contacts:
                continue  # nobody to write to: no invite
            language = email_language(application)
            token, token_hash = new_token()
            added = insert_ignoring_duplicates(
                FeedbackInvite,
                {
                    "course_id": course.id,
                    "application_id": application.id,
                    "region_code": application.region_code,
                    "language": language,
                    "token_hash": token_hash,
                    "created_at": now,
                    "used": False,
                },
            )
            if not added:
                already += 1
                continue
            # Everyone who gets the participant's messages gets the same one-time link.
            for contact in contacts:
                _queue_invite(contact, application, course, language, token)
            queued_here += 1
        if queued_here:
            audit.record("feedback.invites_queued", course, count=queued_here)
        queued += queued_here
        db.session.commit()
    return QueueReport(queued=queued, already=already)


def _queue_invite(
    contact: reach.Contact, application: Application, course: Course, language: str, token: str
) -> None:
    key = f"feedback:{course.id}:{application.id}{contact.key()}"
    title = course.title.get(language)
    url = public_url(f"/feedback/{token}?lang={language}")
    if contact.channel == reach.SMS:
        queue_sms_once(
            contact.address,
            "followup/feedback_invite",
            language,
            kind="followup.feedback_invite",
            dedupe_key=key,
            application_id=application.id,
            shrinkable={"name": application.name, "course_title": title},
            feedback_url=url,
            contact=contact,
        )
    else:
        queue_email_once(
            contact.address,
            "followup/feedback_invite",
            language,
            kind="followup.feedback_invite",
            dedupe_key=key,
            application_id=application.id,
            name=application.name,
            contact=contact,
            course_title=title,
            feedback_url=url,
        )


# --- open groups: a public form, one answer per browser session --------------------------------


def open_course_for_feedback(course_id: int, now: datetime | None = None) -> Course:
    """An open group that has had its first session; NotFound or Conflict otherwise."""
    course = db.session.get(Course, course_id)
    if course is None or course.kind != "open":
        raise NotFound(_l("There is no feedback form for this group."))
    first = db.session.scalar(
        db.select(func.min(Session.starts_at)).where(
            Session.course_id == course_id, Session.status == "scheduled"
        )
    )
    if first is None or first > (now or utcnow()):
        raise Conflict(_l("You can give feedback after the first meeting of the group."))
    return course


def answer_open(course: Course, data: Mapping[str, Any], language: str) -> None:
    """Store an anonymous answer for an open group, in the caller's transaction."""
    answer = parse_feedback(data, regions=course.region_codes)
    _store(course.id, answer.region_code, language, answer)
    audit.record("feedback.answer", course, actor_kind="anonymous")
