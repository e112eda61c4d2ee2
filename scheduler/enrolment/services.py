"""Enrolment rules: applying, selecting, withdrawing, the waiting list and seat quotas.

Services change state, log it (scheduler.audit, codes and states only) and queue the
applicant's email; the caller commits, so the change, the log entry and the email are
stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.courses.models import Course
from scheduler.dbtypes import utcnow
from scheduler.enrolment import mail, reach, seats, throttle
from scheduler.enrolment.inputs import ApplicationInput, parse_application
from scheduler.enrolment.models import (
    PLANNER_DECISIONS,
    TRANSITIONS,
    Application,
    SupportPerson,
)
from scheduler.enrolment.tokens import assign_new_token, find_by_token
from scheduler.enrolment.wording import STATUS_WORDS
from scheduler.errors import Conflict, FieldErrors, Forbidden, NotFound, ValidationFailed
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from scheduler.notify.sms_providers import sms_in_use

# planner decision -> the email event it sends
DECISION_EVENTS = {
    "accepted": "accepted",
    "waitlisted": "waitlisted",
    "rejected": "rejected",
    "withdrawn": "removed",
}


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(HELSINKI).date()


def applications_open(course: Course, now: datetime | None = None) -> bool:
    """Closed courses take applications until the end of the deadline day, Helsinki time."""
    return (
        course.kind == "closed"
        and course.status != "cancelled"
        and course.application_deadline is not None
        and local_today(now) <= course.application_deadline
    )


def deadline_passed(course: Course, now: datetime | None = None) -> bool:
    deadline = course.application_deadline
    return deadline is not None and local_today(now) > deadline


def get_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound(_l("No such course."))
    return course


def check_taking_applications(course: Course) -> None:
    if course.kind != "closed":
        raise Conflict(_l("This group is open to everyone. You do not need to apply."))
    if course.status == "cancelled":
        raise Conflict(_l("This course is cancelled, so it takes no applications."))
    if not applications_open(course):
        raise Conflict(_l("The application time for this course is over."))


# --- applying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    application: Application
    created: bool  # False: the address already had an application and was emailed its link


def submit(
    course_id: int, data: dict[str, Any], *, address: str | None, store_duplicate: bool
) -> Submission:
    """Store a new application and queue its confirmation with the personal link.

    The personal link is sent only to whoever gets the messages (the applicant's email or
    phone, the support person's), never in the answer: whoever opens it has shown they
    read that mailbox or phone. Neither answer tells a stranger whether the address (or,
    for a phone-only applicant, the number) had already applied (for a disability course
    that is health data). When it had, the form (`store_duplicate=False`) stores nothing
    and sends the earlier application's own contacts its link; the API, whose answer
    carries the new application's id, stores the second application
    (`store_duplicate=True`), tells the address so, and planners see both marked as
    having the same address.
    """
    course = get_course(course_id)
    check_taking_applications(course)
    parsed = parse_application(data, course, sms_available=sms_in_use(current_app.config))
    throttle.reserve(address)
    earlier = _earlier_application(course.id, parsed)
    if earlier is not None and not store_duplicate:
        audit.record("application.resubmit", earlier, actor_kind="applicant", course=course.id)
        mail.notify_again(earlier)
        return Submission(application=earlier, created=False)
    application = Application(
        course_id=course.id,
        name=parsed.name,
        email=parsed.email,
        phone=parsed.phone,
        region_code=parsed.region,
        language=parsed.language,
        needs=parsed.needs,
        message=parsed.message,
        on_behalf=parsed.on_behalf,
        contact=parsed.contact,
        messages_to=parsed.messages_to,
        phone_hash=reach.phone_key(parsed.phone),
        consent_at=utcnow(),
        status="submitted",
    )
    if parsed.support_person is not None:
        support = parsed.support_person
        application.support_person = SupportPerson(
            name=support.name,
            email=support.email,
            phone=support.phone,
            relation=support.relation,
            contact=support.contact,
        )
    assign_new_token(application)
    db.session.add(application)
    db.session.flush()
    audit.record(
        "application.submit",
        application,
        actor_kind="applicant",
        course=course.id,
        region=application.region_code,
        to="submitted",
    )
    mail.notify(application, "received", earlier=earlier is not None)
    return Submission(application=application, created=True)


def _earlier_application(course_id: int, parsed: ApplicationInput) -> Application | None:
    """The course's first application with the same email address (or, without one, the
    same phone number, found by its keyed hash)."""
    if parsed.email:
        same = Application.email == parsed.email
    elif parsed.phone:
        same = Application.phone_hash == reach.phone_key(parsed.phone)
    else:
        return None
    return db.session.scalar(
        db.select(Application)
        .where(Application.course_id == course_id, same)
        .order_by(Application.id)
        .limit(1)
    )


def same_email_groups(applications: list[Application]) -> dict[int, list[int]]:
    """For each application, the other listed applications with the same email address."""
    return _same_groups(applications, lambda application: application.email)


def same_phone_groups(applications: list[Application]) -> dict[int, list[int]]:
    """For each application, the other listed applications with the same phone number."""
    return _same_groups(applications, lambda application: application.phone_hash)


def _same_groups(
    applications: list[Application], key_of: Callable[[Application], str | None]
) -> dict[int, list[int]]:
    by_key: dict[str, list[int]] = {}
    for application in applications:
        key = key_of(application)
        if key:
            by_key.setdefault(key, []).append(application.id)
    found: dict[int, list[int]] = {}
    for application in applications:
        key = key_of(application)
        if key and len(by_key[key]) > 1:
            found[application.id] = [other for other in by_key[key] if other != application.id]
    return found


# --- selection -----------------------------------------------------------------------------


def _change_status(
    application: Application, status: str, *, actor: User | None, actor_kind: str | None = None
) -> str:
    old = application.status
    application.status = status
    application.status_changed_at = utcnow()
    audit.record(
        "application.status",
        application,
        actor=actor,
        actor_kind=actor_kind,
        course=application.course_id,
        region=application.region_code,
        **{"from": old, "to": status},
    )
    return old


def check_may_see_course(actor: User, course: Course) -> str | None:
    """The region whose applicants `actor` sees (None: every region, for admins)."""
    if actor.is_admin:
        return None
    if actor.role != "planner" or actor.region_code not in course.region_codes:
        raise Forbidden(_l("Only planners of the course's regions see its applicants."))
    return actor.region_code


def list_applications(actor: User, course_id: int) -> tuple[Course, list[Application]]:
    """The applicants `actor` may see: their own region's, or all for an admin (logged)."""
    course = get_course(course_id)
    region = check_may_see_course(actor, course)
    query = (
        db.select(Application)
        .where(Application.course_id == course.id)
        .options(selectinload(Application.support_person))
    )
    if region is not None:
        query = query.where(Application.region_code == region)
    applications = list(
        db.session.scalars(query.order_by(Application.submitted_at, Application.id))
    )
    # Who looked at applicants' data, for the applicants' right to know (no personal data).
    audit.record(
        "application.list_view",
        course,
        actor=actor,
        region=region or "all",
        count=len(applications),
    )
    return course, applications


def decide(actor: User, application_id: int, status: Any) -> Application:
    """A planner's decision on one applicant of their own region (admin: any)."""
    if not isinstance(status, str) or status not in PLANNER_DECISIONS:
        raise ValidationFailed(
            _l("Check the decision."),
            errors={"status": [_l('Use "accepted", "waitlisted", "rejected" or "withdrawn".')]},
        )
    found = db.session.get(Application, application_id)
    if found is None:
        raise NotFound(_l("No such application."))
    if not actor.acts_for(found.region_code):
        raise Forbidden(_l("This applicant is from another region. That region's planner decides."))
    course = seats.lock_course(found.course_id)
    application = seats.reload(application_id)
    if application.anonymised_at is not None:
        raise Conflict(_l("This application has been anonymised."))
    if status not in TRANSITIONS[application.status]:
        raise Conflict(
            _l(
                "This application is %(current)s and cannot be changed to %(wanted)s.",
                current=STATUS_WORDS[application.status],
                wanted=STATUS_WORDS[status],
            )
        )
    if status == "accepted":
        if course.status == "cancelled":
            raise Conflict(_l("This course is cancelled, so nobody can get a place in it."))
        seats.check_can_accept(seats.count_seats(course), application.region_code)
    old = _change_status(application, status, actor=actor)
    mail.notify(application, DECISION_EVENTS[status])
    if old == "accepted" and status == "withdrawn":
        promote(course, preferred_region=application.region_code, limit=1)
    return application


def promote(
    course: Course,
    *,
    preferred_region: str | None = None,
    only_region: str | None = None,
    limit: int | None = None,
    actor: User | None = None,
) -> list[Application]:
    """Accept waitlisted applicants into free seats, oldest first. Hold the course lock."""
    promoted: list[Application] = []
    if course.status == "cancelled":  # nobody gets a place in a cancelled course
        return promoted
    seat_count = seats.count_seats(course)
    if seat_count.free <= 0:
        return promoted
    candidates = seats.waitlist_candidates(
        course, preferred_region=preferred_region, only_region=only_region
    )
    for candidate in candidates:
        if seat_count.free <= 0 or (limit is not None and len(promoted) >= limit):
            break
        if seat_count.region_full(candidate.region_code):
            continue
        _change_status(candidate, "accepted", actor=actor, actor_kind=None if actor else "system")
        seat_count.take(candidate.region_code)
        mail.notify(candidate, "promoted")
        promoted.append(candidate)
    return promoted


@dataclass(frozen=True)
class FillResult:
    accepted: list[Application]
    free_seats: int


def fill_from_waitlist(actor: User, course_id: int) -> FillResult:
    """After the deadline: free seats to the waiting list in order (a planner: own region's)."""
    course = get_course(course_id)
    region = check_may_see_course(actor, course)
    if course.kind != "closed":
        raise Conflict(_l("An open group has no waiting list."))
    if not deadline_passed(course):
        raise Conflict(_l("You can fill places from the waiting list after the deadline."))
    course = seats.lock_course(course_id)
    accepted = promote(course, only_region=region, actor=actor)
    audit.record(
        "course.fill_from_waitlist",
        course,
        actor=actor,
        region=region or "all",
        accepted=len(accepted),
    )
    return FillResult(accepted=accepted, free_seats=seats.count_seats(course).free)


def withdraw_by_token(token: Any) -> Application:
    """The applicant cancels; a freed seat goes to the oldest waitlisted (own region first)."""
    found = find_by_token(token) if isinstance(token, str) else None
    if found is None:
        raise NotFound(_l("This link does not work. Please check it, or call the region."))
    course = seats.lock_course(found.course_id)
    application = seats.reload(found.id)
    if application.status == "withdrawn":
        return application
    if "withdrawn" not in TRANSITIONS[application.status]:
        raise Conflict(_l("This application was not selected, so there is nothing to cancel."))
    old = _change_status(application, "withdrawn", actor=None, actor_kind="applicant")
    mail.notify(application, "withdrawn")
    if old == "accepted":
        promote(course, preferred_region=application.region_code, limit=1)
    return application


# --- quotas --------------------------------------------------------------------------------


def quotas_of(course: Course) -> dict[str, int | None]:
    return {p.region_code: p.seat_quota for p in course.participations}


def set_quotas(actor: User, course_id: int, data: Any) -> dict[str, int | None]:
    """Replace the per-region seat quotas (a missing or null region has none).

    A quota caps how many of a region's applicants may be accepted; every change is
    logged. An admin sets every region's. A planner sets only their own region's: other
    regions may be sent with their current values (or left out, which keeps them), and
    changing one is refused with 403, so no region can shut another out of the course.
    """
    course = get_course(course_id)
    check_may_see_course(actor, course)
    if course.kind != "closed":
        raise Conflict(_l("An open group has no places to share."))
    wanted = parse_quotas(data, course)
    course = seats.lock_course(course_id)
    if not actor.is_admin:
        wanted = _own_region_only(actor, quotas_of(course), wanted)
    seat_count = seats.count_seats(course)
    too_low = [
        code
        for code, quota in wanted.items()
        if quota is not None and seat_count.by_region[code] > quota
    ]
    if too_low:
        raise Conflict(
            _l(
                "More applicants are already accepted from %(regions)s than the new share.",
                regions=", ".join(too_low),
            )
        )
    for participation in course.participations:
        new = wanted.get(participation.region_code)
        if participation.seat_quota != new:
            audit.record(
                "course.seat_quota",
                course,
                actor=actor,
                region=participation.region_code,
                **{"from": participation.seat_quota, "to": new},
            )
            participation.seat_quota = new
    return quotas_of(course)


def _own_region_only(
    actor: User, current: dict[str, int | None], wanted: dict[str, int | None]
) -> dict[str, int | None]:
    """A planner's wish applied to the current quotas: their own region's only."""
    own = actor.region_code
    others = [code for code, quota in wanted.items() if code != own and quota != current[code]]
    if others:
        raise Forbidden(
            _l(
                "You can set only your own region's share of places. The planners of "
                "%(regions)s set theirs.",
                regions=", ".join(sorted(others)),
            )
        )
    return {**current, own: wanted.get(own)}  # type: ignore[dict-item]


def parse_quotas(data: Any, course: Course) -> dict[str, int | None]:
    if not isinstance(data, dict):
        raise ValidationFailed(_l('Send the shares like {"03": 4, "05": null}.'))
    errors = FieldErrors()
    capacity = course.capacity or 0
    quotas: dict[str, int | None] = {}
    for code, value in data.items():
        if code not in course.region_codes:
            errors.add(str(code)[:10], _l("This region does not take part in the course."))
        elif value is None:
            quotas[code] = None
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.add(code, _l("Give a whole number, 0 or more, or leave it empty."))
        elif value > capacity:
            errors.add(code, _l("At most the number of places, %(count)d.", count=capacity))
        else:
            quotas[code] = value
    errors.raise_if_any(_l("Check the shares of places."))
    return quotas
