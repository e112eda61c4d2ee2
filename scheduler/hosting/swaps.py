"""Swap requests: region A offers to trade the hosting of two sessions with region B.

Both planners must agree: A asks, B accepts or declines (A may withdraw while it waits).
Accepting swaps the two hosts and marks both sessions as set by hand, so re-planning keeps
them. Every step is audited; the other side is told by email.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_
from sqlalchemy.orm import contains_eager, selectinload

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.api import inputs
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.courses.serialize import session_json
from scheduler.dbtypes import utcnow
from scheduler.errors import Conflict, FieldErrors, Forbidden, NotFound, ValidationFailed
from scheduler.extensions import db
from scheduler.hosting import notifications
from scheduler.hosting.models import SwapRequest
from scheduler.hosting.planning import HostChange
from scheduler.hosting.rules import Rules, region_label
from scheduler.hosting.services import HostConflict, load_session
from scheduler.i18n import iso_local

_SESSION_OPTIONS = (
    selectinload(SwapRequest.session)
    .joinedload(Session.course)
    .selectinload(Course.participations),
    selectinload(SwapRequest.other_session)
    .joinedload(Session.course)
    .selectinload(Course.participations),
)


def parse_swap_input(data: dict[str, Any]) -> int:
    errors = FieldErrors()
    inputs.only_fields(data, ("session",), errors)
    other = inputs.reference(data.get("session"), "session", errors)
    errors.raise_if_any(_l("Check the highlighted fields."))
    assert other is not None
    return other


def _is_planner_of(actor: User, code: str | None) -> bool:
    return actor.role in ("admin", "planner") and actor.acts_for(code)


def _check_open(session: Session, other: Session) -> None:
    now = utcnow()
    for one in (session, other):
        if one.cancelled:
            raise Conflict(
                _l("Session %(number)d is cancelled, so it cannot be swapped.", number=one.number)
            )
        if one.starts_at <= now:
            raise Conflict(
                _l(
                    "Session %(number)d has already started, so it cannot be swapped.",
                    number=one.number,
                )
            )
        if one.host_region is None:
            raise Conflict(_l("Session %(number)d has no host to swap.", number=one.number))


def _check_hosts_can_trade(session: Session, other: Session) -> None:
    """409 unless each host can host the other's session."""
    mine, theirs = session.host_region, other.host_region
    rules = Rules.around([session, other], [mine, theirs])
    for code, target in ((mine, other), (theirs, session)):
        reason = rules.reason(code, target, target.course)
        if reason is not None:
            sentence = rules.sentence(
                "host", reason, region_label(code), code, target, target.course
            )
            raise HostConflict(sentence, reason, "session")


def request_swap(actor: User, session_id: int, other_id: int) -> SwapRequest:
    session = load_session(session_id)
    if session.host_region is None:
        raise Conflict(_l("This session has no host to swap."))
    if not _is_planner_of(actor, session.host_region):
        raise Forbidden(_l("Only planners of the session's host region can offer it for a swap."))
    if other_id == session.id:
        raise ValidationFailed(
            _l("Check the highlighted fields."),
            errors={"session": [_l("Choose another session than this one.")]},
        )
    try:
        other = load_session(other_id)
    except NotFound:
        raise ValidationFailed(
            _l("Check the highlighted fields."), errors={"session": [_l("No such session.")]}
        ) from None
    _check_open(session, other)
    if other.host_region == session.host_region:
        raise Conflict(
            _l(
                "Both sessions are hosted by %(region)s, so there is nothing to swap.",
                region=region_label(session.host_region),
            )
        )
    _check_hosts_can_trade(session, other)
    pair = (session.id, other.id)
    waiting = db.session.scalar(
        db.select(SwapRequest.id).where(
            SwapRequest.status == "pending",
            or_(
                and_(SwapRequest.session_id == pair[0], SwapRequest.other_session_id == pair[1]),
                and_(SwapRequest.session_id == pair[1], SwapRequest.other_session_id == pair[0]),
            ),
        )
    )
    if waiting is not None:
        raise Conflict(
            _l("A swap request for these two sessions is already waiting for an answer.")
        )
    swap = SwapRequest(
        session_id=session.id,
        other_session_id=other.id,
        requesting_region=session.host_region,
        other_region=other.host_region,
        status="pending",
        requested_by_id=actor.id,
    )
    swap.session, swap.other_session = session, other
    db.session.add(swap)
    db.session.flush()
    audit.record(
        "swap.request",
        swap,
        actor=actor,
        sessions=list(pair),
        regions=[swap.requesting_region, swap.other_region],
    )
    notifications.notify_swap_requested(swap)
    return swap


def load_swap(swap_id: int, *, lock: bool = False) -> SwapRequest:
    query = db.select(SwapRequest).where(SwapRequest.id == swap_id).options(*_SESSION_OPTIONS)
    if lock:
        query = query.with_for_update(of=SwapRequest)
    swap = db.session.scalar(query.execution_options(populate_existing=True))
    if swap is None:
        raise NotFound(_l("No such swap request."))
    return swap


def _check_pending(swap: SwapRequest) -> None:
    if swap.status != "pending":
        labels = {
            "accepted": _l("accepted"),
            "declined": _l("declined"),
            "withdrawn": _l("withdrawn"),
        }
        raise Conflict(
            _l(
                "This swap request is no longer open: it was %(status)s.",
                status=labels.get(swap.status, swap.status),
            )
        )


def decide(actor: User, swap_id: int, accept: bool) -> SwapRequest:
    """Accept (swap the hosts) or decline; only the other region's planners (or an admin)."""
    swap = load_swap(swap_id, lock=True)
    if not _is_planner_of(actor, swap.other_region):
        raise Forbidden(
            _l(
                "Only planners of %(region)s can answer this request.",
                region=region_label(swap.other_region),
            )
        )
    _check_pending(swap)
    if not accept:
        _close(swap, actor, "declined")
        audit.record("swap.decline", swap, actor=actor)
        notifications.notify_swap_declined(swap)
        return swap

    session, other = swap.session, swap.other_session
    if (session.host_region, other.host_region) != (swap.requesting_region, swap.other_region):
        raise Conflict(
            _l(
                "The hosts of these sessions have changed since the request was made. "
                "Ask for a new swap if it is still needed."
            )
        )
    _check_open(session, other)
    _check_hosts_can_trade(session, other)
    a, b = swap.requesting_region, swap.other_region
    changes = [_give(session, b, a), _give(other, a, b)]
    _close(swap, actor, "accepted")
    audit.record("swap.accept", swap, actor=actor, sessions=[session.id, other.id], regions=[a, b])
    notifications.notify_host_changes(
        changes,
        notifications.WHY_SWAP,
        {session.course_id: session.course, other.course_id: other.course},
    )
    return swap


def _give(session: Session, new_host: str, old_host: str) -> HostChange:
    """Make `new_host` the host; if it co-hosted, the old host becomes the co-host."""
    old_cohost = session.cohost_region
    session.host_region = new_host
    if old_cohost == new_host:
        session.cohost_region = old_host
    session.host_set_by_hand = True
    session.touch()
    return HostChange(session, old_host, old_cohost, new_host, session.cohost_region)


def withdraw(actor: User, swap_id: int) -> SwapRequest:
    swap = load_swap(swap_id, lock=True)
    if not _is_planner_of(actor, swap.requesting_region):
        raise Forbidden(_l("Only planners of the asking region can withdraw this request."))
    _check_pending(swap)
    _close(swap, actor, "withdrawn")
    audit.record("swap.withdraw", swap, actor=actor)
    return swap


def _close(swap: SwapRequest, actor: User, status: str) -> None:
    swap.status = status
    swap.decided_by_id = actor.id
    swap.decided_at = utcnow()


def pending_for(actor: User) -> tuple[list[SwapRequest], list[SwapRequest]]:
    """(incoming, outgoing) pending requests of the actor's region; an admin sees all as
    incoming. Three queries whatever the number."""
    query = (
        db.select(SwapRequest)
        .where(SwapRequest.status == "pending")
        .options(*_SESSION_OPTIONS)
        .order_by(SwapRequest.created_at, SwapRequest.id)
    )
    if not actor.is_admin:
        region = actor.region_code
        query = query.where(
            or_(SwapRequest.other_region == region, SwapRequest.requesting_region == region)
        )
    swaps = list(db.session.scalars(query))
    if actor.is_admin:
        return swaps, []
    incoming = [s for s in swaps if s.other_region == actor.region_code]
    outgoing = [s for s in swaps if s.requesting_region == actor.region_code]
    return incoming, outgoing


def still_valid(swap: SwapRequest) -> bool:
    """False when a host changed since the request (accepting would answer 409)."""
    return (swap.session.host_region, swap.other_session.host_region) == (
        swap.requesting_region,
        swap.other_region,
    )


def swap_json(swap: SwapRequest) -> dict[str, Any]:
    def one(session: Session) -> dict[str, Any]:
        return {**session_json(session), "course": session.course_id}

    return {
        "id": swap.id,
        "status": swap.status,
        "session": one(swap.session),
        "other_session": one(swap.other_session),
        "requesting_region": swap.requesting_region,
        "other_region": swap.other_region,
        "created_at": iso_local(swap.created_at),
        "decided_at": iso_local(swap.decided_at),
        "hosts_unchanged": still_valid(swap),
    }


CANDIDATE_WEEKS = 26


def candidates(session: Session, limit: int = 100) -> list[Session]:
    """Upcoming sessions the session's host could trade with: hosted by another region that
    takes part in this course, in a course the host takes part in, and both able to host.
    Four queries whatever the number."""
    mine = session.host_region
    if mine is None:
        return []
    now = utcnow()
    own_courses = db.select(CourseRegion.course_id).where(CourseRegion.region_code == mine)
    found = list(
        db.session.scalars(
            db.select(Session)
            .join(Session.course)
            .where(
                Session.course_id.in_(own_courses),
                Session.status == "scheduled",
                Session.starts_at > now,
                Session.starts_at <= now + timedelta(weeks=CANDIDATE_WEEKS),
                Session.host_region.is_not(None),
                Session.host_region != mine,
                Session.host_region.in_(session.course.region_codes),
                Session.id != session.id,
            )
            .options(contains_eager(Session.course).selectinload(Course.participations))
            .order_by(Session.starts_at, Session.id)
        ).unique()
    )
    rules = Rules.around([session, *found], {mine, *(s.host_region for s in found)})
    able = [
        other
        for other in found
        if rules.reason(mine, other, other.course) is None
        and rules.reason(other.host_region, session, session.course) is None
    ]
    return able[:limit]
