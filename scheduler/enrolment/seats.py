"""Seats of a closed course: the course-row lock, counting, and promotion from the waiting list.

Every change that can raise the number of accepted applicants first takes the course lock,
then counts. On PostgreSQL the lock is `SELECT … FOR UPDATE` on the course row, so
concurrent accepts and withdrawals of one course run one after another. On SQLite a
no-op UPDATE of the course row opens the write transaction (pysqlite begins it at the
first write and SQLite allows one writer), which serialises the same way; the counts read
after it are current because no other writer can commit in between.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, update

from scheduler.courses.models import Course, CourseRegion
from scheduler.enrolment.models import Application
from scheduler.errors import Conflict, NotFound
from scheduler.extensions import db


def lock_course(course_id: int) -> Course:
    """Take the course's row lock for the rest of the transaction; return the fresh course."""
    if db.engine.dialect.name == "postgresql":
        course = db.session.scalar(
            db.select(Course)
            .where(Course.id == course_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    else:
        table = Course.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == course_id)
            # Keep updated_at: this is a lock, not a change subscribers must see.
            .values(capacity=table.c.capacity, updated_at=table.c.updated_at)
        )
        course = db.session.scalar(
            db.select(Course)
            .where(Course.id == course_id)
            .execution_options(populate_existing=True)
        )
    if course is None:
        raise NotFound(_l("No such course."))
    return course


def reload(application_id: int) -> Application:
    """Read the application again after taking the lock (another request may have changed it)."""
    application = db.session.scalar(
        db.select(Application)
        .where(Application.id == application_id)
        .execution_options(populate_existing=True)
    )
    if application is None:
        raise NotFound(_l("No such application."))
    return application


@dataclass
class SeatCount:
    capacity: int
    accepted: int
    by_region: Counter[str]
    quotas: dict[str, int | None]

    @property
    def free(self) -> int:
        return max(self.capacity - self.accepted, 0)

    def region_full(self, region: str) -> bool:
        quota = self.quotas.get(region)
        return quota is not None and self.by_region[region] >= quota

    def can_accept(self, region: str) -> bool:
        return self.free > 0 and not self.region_full(region)

    def take(self, region: str) -> None:
        self.accepted += 1
        self.by_region[region] += 1


def count_seats(course: Course) -> SeatCount:
    """Accepted applicants per region and the quotas, in two small queries."""
    rows = db.session.execute(
        db.select(Application.region_code, func.count())
        .where(Application.course_id == course.id, Application.status == "accepted")
        .group_by(Application.region_code)
    ).all()
    by_region = Counter({code: count for code, count in rows})
    quotas = dict(
        db.session.execute(
            db.select(CourseRegion.region_code, CourseRegion.seat_quota).where(
                CourseRegion.course_id == course.id
            )
        ).all()
    )
    return SeatCount(
        capacity=course.capacity or 0,
        accepted=sum(by_region.values()),
        by_region=by_region,
        quotas=quotas,
    )


def check_can_accept(seats: SeatCount, region: str) -> None:
    if seats.free <= 0:
        raise Conflict(_l("The course is full. Put the applicant on the waiting list instead."))
    if seats.region_full(region):
        raise Conflict(
            _l("The region's share of places is full. Put the applicant on the waiting list.")
        )


def waitlist_candidates(
    course: Course, *, preferred_region: str | None = None, only_region: str | None = None
) -> list[Application]:
    """Waitlisted applicants, longest waiting first; `preferred_region` before the others."""
    query = db.select(Application).where(
        Application.course_id == course.id, Application.status == "waitlisted"
    )
    if only_region is not None:
        query = query.where(Application.region_code == only_region)
    order = [Application.status_changed_at, Application.id]
    if preferred_region is not None:
        order.insert(0, case((Application.region_code == preferred_region, 0), else_=1))
    query = query.order_by(*order).execution_options(populate_existing=True)
    return list(db.session.scalars(query))
