"""Emails to the planners of the regions whose hosting duties changed (outbox, own language)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from scheduler.accounts.models import User
from scheduler.courses.models import Course, Session
from scheduler.extensions import db
from scheduler.hosting.planning import HostChange
from scheduler.i18n import HELSINKI, LocalizedText
from scheduler.notify.outbox import queue_email

# Why hosts changed; the email says it in a sentence.
WHY_PLAN = "plan"
WHY_MANUAL = "manual"
WHY_CLOSURE = "closure"
WHY_SWAP = "swap"


@dataclass(frozen=True)
class SessionLine:
    """What an email says about one session, for one region."""

    course_id: int
    title: LocalizedText
    number: int
    starts_at: datetime
    old_host: str | None
    new_host: str | None
    old_cohost: str | None
    new_cohost: str | None
    cancelled: bool
    restored: bool

    def title_in(self, language: str) -> str:
        return self.title.get(language)

    def clock(self, language: str) -> str:
        local = self.starts_at.astimezone(HELSINKI)
        return local.strftime("%H.%M" if language == "fi" else "%H:%M")


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an email, also outside a request (commands, workers)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def planners_by_region(codes: Iterable[str]) -> dict[str, list[User]]:
    """Active planners of the regions, in one query."""
    codes = sorted(set(codes))
    found: dict[str, list[User]] = defaultdict(list)
    if not codes:
        return found
    users = db.session.scalars(
        db.select(User)
        .where(User.role == "planner", User.active.is_(True), User.region_code.in_(codes))
        .order_by(User.id)
    )
    for user in users:
        found[user.region_code].append(user)
    return found


def _line(change: HostChange, course: Course) -> SessionLine:
    session = change.session
    return SessionLine(
        course_id=course.id,
        title=course.title,
        number=session.number,
        starts_at=session.starts_at,
        old_host=change.old_host,
        new_host=change.new_host,
        old_cohost=change.old_cohost,
        new_cohost=change.new_cohost,
        cancelled=change.cancelled,
        restored=change.restored,
    )


def notify_host_changes(
    changes: Iterable[HostChange], why: str, courses: dict[int, Course] | None = None
) -> int:
    """Queue one email per planner of every region the changes touch; returns how many."""
    changes = list(changes)
    if not changes:
        return 0
    courses = courses or {}
    lines: dict[str, list[SessionLine]] = defaultdict(list)
    for change in changes:
        session: Session = change.session
        course = courses.get(session.course_id) or session.course
        line = _line(change, course)
        for code in change.regions:
            lines[code].append(line)
    planners = planners_by_region(lines)
    queued = 0
    for code in sorted(lines):
        items = sorted(lines[code], key=lambda line: (line.starts_at, line.course_id))
        course_ids = sorted({line.course_id for line in items})
        links = [public_url("hosting.course_grid", course_id=cid) for cid in course_ids]
        for planner in planners.get(code, []):
            queue_email(
                planner.email,
                "hosting/changes",
                planner.language,
                kind="hosting.changes",
                region=code,
                items=items,
                why=why,
                links=links,
            )
            queued += 1
    return queued


def notify_swap_requested(swap: Any) -> int:
    """Tell the other region's planners that a swap request waits for them."""
    return _notify_swap(swap, swap.other_region, "hosting/swap_request", "hosting.swap_request")


def notify_swap_declined(swap: Any) -> int:
    """Tell the requesting region's planners that their swap request was declined."""
    return _notify_swap(
        swap, swap.requesting_region, "hosting/swap_declined", "hosting.swap_declined"
    )


def _notify_swap(swap: Any, region: str, template: str, kind: str) -> int:
    mine, theirs = swap.session, swap.other_session
    context = {
        "requesting_region": swap.requesting_region,
        "other_region": swap.other_region,
        "offered": _plain_line(mine),
        "wanted": _plain_line(theirs),
        "link": public_url("hosting.inbox"),
    }
    queued = 0
    for planner in planners_by_region([region]).get(region, []):
        queue_email(planner.email, template, planner.language, kind=kind, **context)
        queued += 1
    return queued


def _plain_line(session: Session) -> SessionLine:
    return SessionLine(
        course_id=session.course_id,
        title=session.course.title,
        number=session.number,
        starts_at=session.starts_at,
        old_host=session.host_region,
        new_host=session.host_region,
        old_cohost=session.cohost_region,
        new_cohost=session.cohost_region,
        cancelled=False,
        restored=False,
    )
