"""Editing a course: texts, languages, regions, weights, co-hosting, places, deadline,
meeting and the length of the sessions.

The edit is checked by the course-creation rules (lifecycle.inputs), then against the current
state (409: places below the accepted count, a leaving region with applicants or duties in the
freeze horizon, hosts lost by a language or region change). What the rotation depends on is
re-planned by the rotation's own rules, keeping past, frozen and hand-set sessions. The caller
commits; on any refusal the caller rolls back and nothing of the edit stays.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.courses.services import CourseInput, check_may_create
from scheduler.dbtypes import utcnow
from scheduler.enrolment import seats
from scheduler.enrolment.models import Application
from scheduler.errors import Conflict
from scheduler.extensions import db
from scheduler.hosting import services as hosting
from scheduler.hosting.rules import Rules, region_label
from scheduler.lifecycle import inputs
from scheduler.lifecycle.notifications import (
    LINK_CHANGED,
    SESSION_MOVED,
    SessionChange,
    notify_session_change,
)
from scheduler.lifecycle.services import (
    check_active,
    check_may_manage,
    describe_session,
    frozen,
    load_course,
)
from scheduler.meetings.models import MeetingLink

ROTATION_FIELDS = ("languages", "regions", "host_weights", "cohost")


@dataclass
class EditOutcome:
    course: Course
    changed: list[str] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


def edit_course(actor: User, course_id: int, data: dict[str, Any]) -> EditOutcome:
    course = load_course(course_id)
    check_may_manage(actor, course)
    check_active(course)
    patch = inputs.parse_course_patch(course, data)
    new = patch.values
    removed = [code for code in course.region_codes if code not in new.regions]
    if patch.changes("regions"):
        check_may_create(actor, new.regions)
    now = utcnow()
    _check_places(course, new)
    _check_leaving(course, removed, now)

    coming = sorted(
        (s for s in course.sessions if s.starts_at > now and not s.cancelled),
        key=lambda s: s.starts_at,
    )
    rules = Rules.around(coming, set(course.region_codes) | set(new.regions))
    lacking_before = _without_host(course, coming, rules)

    changed = _apply(course, new, now)
    outcome = EditOutcome(course=course, changed=changed)
    if any(name in changed for name in ROTATION_FIELDS):
        _release_leavers(coming, removed)
        db.session.flush()
        plan = hosting.replan_loaded([course], actor)
        lacking = _without_host(course, coming, rules) - lacking_before
        if lacking:
            raise _lost_hosts(course, lacking, plan.problems, patch)
        outcome.problems = plan.problems

    moved = _apply_duration(course, new.duration_minutes, now)
    if "title" in changed:
        for session in coming:
            if session not in {change.session for change in moved}:
                session.touch()
    link_changed = "meeting" in changed
    if link_changed:
        _forget_meetings(course, now)
    audit.record("course.update", course, actor=actor, fields=sorted(changed))
    if moved:
        notify_session_change(course, moved, SESSION_MOVED)
    if link_changed and coming:
        notify_session_change(course, [SessionChange(s) for s in coming], LINK_CHANGED)
    return outcome


# --- refusals ------------------------------------------------------------------------------------


def _check_places(course: Course, new: CourseInput) -> None:
    if course.kind != "closed" or new.capacity is None:
        return
    accepted = seats.count_seats(course).accepted
    if new.capacity < accepted:
        raise Conflict(
            _l(
                "%(count)d participants are already accepted, so there must be at least "
                "%(count)d places.",
                count=accepted,
            ),
            errors={"capacity": [_l("At least %(minimum)d.", minimum=accepted)]},
        )


def _check_leaving(course: Course, removed: list[str], now: datetime) -> None:
    """A region may leave only without applicants and without duties in the freeze horizon."""
    if not removed:
        return
    rows = db.session.execute(
        db.select(Application.region_code, Application.status, func.count())
        .where(
            Application.course_id == course.id,
            Application.region_code.in_(removed),
            Application.status.in_(("accepted", "submitted", "waitlisted")),
        )
        .group_by(Application.region_code, Application.status)
    ).all()
    counts: Counter[tuple[str, str]] = Counter({(code, status): n for code, status, n in rows})
    for code in removed:
        if counts[(code, "accepted")]:
            raise Conflict(
                _l(
                    "%(region)s cannot leave the course: %(count)d of its participants are "
                    "accepted. Remove them first, or keep the region in the course.",
                    region=region_label(code),
                    count=counts[(code, "accepted")],
                ),
                errors={"regions": [_l("A region with accepted participants cannot leave.")]},
            )
        waiting = counts[(code, "submitted")] + counts[(code, "waitlisted")]
        if waiting:
            raise Conflict(
                _l(
                    "%(region)s cannot leave the course: %(count)d of its applicants wait for "
                    "a decision. Decide on them first.",
                    region=region_label(code),
                    count=waiting,
                ),
                errors={"regions": [_l("A region with waiting applicants cannot leave.")]},
            )
    freeze = current_app.config["FREEZE_DAYS"]
    for session in sorted(course.sessions, key=lambda s: s.starts_at):
        if session.cancelled or session.starts_at <= now or not frozen(session, now):
            continue
        for code in (session.host_region, session.cohost_region):
            if code in removed:
                raise Conflict(
                    _l(
                        "%(region)s hosts %(session)s, which is less than %(days)d days away. "
                        "Choose another host for it first.",
                        region=region_label(code),
                        session=describe_session(session),
                        days=freeze,
                    ),
                    errors={"regions": [_l("The region still has duties soon.")]},
                )


def _without_host(course: Course, sessions: list[Session], rules: Rules) -> set[int]:
    """Coming sessions without a host, or whose host cannot hold them under the course as
    it is now."""
    return {
        s.id
        for s in sessions
        if s.host_region is None or rules.reason(s.host_region, s, course) is not None
    }


def _lost_hosts(
    course: Course, lacking: set[int], problems: list[dict], patch: inputs.CoursePatch
) -> Conflict:
    details = [p["detail"] for p in problems if p["session"] in lacking and p["role"] == "host"]
    if not details:
        by_id = {s.id: s for s in course.sessions}
        details = [
            str(_l("No region can host %(session)s.", session=describe_session(by_id[i])))
            for i in sorted(lacking, key=lambda i: by_id[i].starts_at)
        ]
    field_name = next((n for n in ROTATION_FIELDS if patch.changes(n)), "regions")
    return Conflict(
        _l(
            "The change would leave %(count)d sessions without a host that can hold them.",
            count=len(lacking),
        ),
        errors={field_name: details},
    )


# --- applying ------------------------------------------------------------------------------------


def _apply(course: Course, new: CourseInput, now: datetime) -> list[str]:
    """Write the new values; returns the names of the fields that really changed.

    A region that joins a course already under way owes nothing of what was held before it
    joined (its fair share counts from `joined_at`, see scheduler.rotation.shares).
    """
    started = any(s.starts_at <= now for s in course.sessions)
    changed = []

    def put(name: str, attribute: str, value: Any) -> None:
        if getattr(course, attribute) != value:
            setattr(course, attribute, value)
            if name not in changed:
                changed.append(name)

    put("title", "title_fi", new.title.fi)
    put("title", "title_sv", new.title.sv)
    put("description", "description_fi", new.description.fi)
    put("description", "description_sv", new.description.sv)
    put("languages", "languages_csv", ",".join(new.languages))
    put("cohost", "cohost", new.cohost)
    put("capacity", "capacity", new.capacity)
    put("application_deadline", "application_deadline", new.application_deadline)
    put("meeting", "meeting_provider", new.meeting_provider)
    put("meeting", "meeting_url", new.meeting_url)
    if course.duration_minutes != new.duration_minutes:
        changed.append("duration_minutes")

    weights = {code: new.host_weights.get(code, 1.0) for code in new.regions}
    if course.region_codes != new.regions:
        changed.append("regions")
    if course.weights != weights:
        changed.append("host_weights")
    existing = {p.region_code: p for p in course.participations}
    kept = []
    for position, code in enumerate(new.regions):
        participation = existing.get(code)
        if participation is None:
            participation = CourseRegion(region_code=code, joined_at=now if started else None)
        participation.position = position
        participation.weight = weights[code]
        kept.append(participation)
    course.participations = kept  # the leavers' rows go (delete-orphan)
    return changed


def _release_leavers(sessions: list[Session], removed: list[str]) -> None:
    """Sessions a leaving region hosted by hand go back to the rotation; a leaving
    co-host is dropped."""
    for session in sessions:
        if session.host_region in removed:
            session.host_set_by_hand = False
        if session.cohost_region in removed:
            session.cohost_region = None
            session.touch()


def _apply_duration(course: Course, minutes: int, now: datetime) -> list[SessionChange]:
    """A new length applies to the sessions still to come; they are reported as moved."""
    if course.duration_minutes == minutes:
        return []
    course.duration_minutes = minutes
    moved = []
    for session in sorted(course.sessions, key=lambda s: s.starts_at):
        if session.starts_at <= now:
            continue
        old_start, old_end = session.starts_at, session.ends_at
        session.ends_at = session.starts_at + timedelta(minutes=minutes)
        session.touch()
        if not session.cancelled:
            moved.append(SessionChange(session, old_start, old_end))
    return moved


def _forget_meetings(course: Course, now: datetime) -> None:
    """Meetings made for the old provider are not the new meeting: drop the coming ones so
    the new provider's are made when needed."""
    coming = db.select(Session.id).where(Session.course_id == course.id, Session.ends_at > now)
    db.session.execute(
        db.delete(MeetingLink)
        .where(MeetingLink.session_id.in_(coming))
        .execution_options(synchronize_session=False)
    )
