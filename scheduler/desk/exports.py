"""A course's participants and their attendance as a CSV file for a planner's own region.

UTF-8 with a byte order mark, so Excel opens å, ä and ö correctly; semicolons, as Finnish and
Swedish Excel expect. A cell that starts like a formula is quoted so a spreadsheet never runs
it. Downloading is logged (who, which course, how many rows; never the names).
"""

from __future__ import annotations

import csv
import io

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.courses.models import Course
from scheduler.enrolment.models import Application
from scheduler.errors import Conflict, Forbidden
from scheduler.extensions import db
from scheduler.followup.models import Attendance
from scheduler.i18n import HELSINKI

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_region(actor: User, course: Course) -> str | None:
    """The region whose participants `actor` may export (None: all, for an admin)."""
    if actor.is_admin:
        return None
    if actor.role != "planner" or actor.region_code not in course.region_codes:
        raise Forbidden(_l("Only planners of the course's regions can download its participants."))
    return actor.region_code


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def participants_csv(actor: User, course: Course) -> str:
    """Accepted participants (and anyone marked present) of the region, one row each, with a
    column per session: "x" present, empty not, "–" not marked or cancelled."""
    if course.kind != "closed":
        raise Conflict(_l("An open group has no list of participants."))
    region = export_region(actor, course)
    sessions = sorted(course.sessions, key=lambda s: (s.starts_at, s.number))
    present = {
        (session_id, application_id)
        for session_id, application_id in db.session.execute(
            db.select(Attendance.session_id, Attendance.application_id).where(
                Attendance.course_id == course.id, Attendance.application_id.is_not(None)
            )
        )
    }
    marked = {session_id for session_id, _ in present}
    present_ids = {application_id for _, application_id in present}
    wanted = Application.status == "accepted"
    if present_ids:
        wanted = wanted | Application.id.in_(sorted(present_ids))
    query = db.select(Application).where(
        Application.course_id == course.id, Application.anonymised_at.is_(None), wanted
    )
    if region is not None:
        query = query.where(Application.region_code == region)
    applications = list(db.session.scalars(query.order_by(Application.name, Application.id)))

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header = [_("Name"), _("Email"), _("Phone"), _("Region"), _("Language"), _("Status")]
    header += [
        f"{s.number}: {format_date(s.starts_at.astimezone(HELSINKI).date(), 'short')}"
        for s in sessions
    ]
    header.append(_("Present"))
    writer.writerow(header)
    for application in applications:
        row = [
            application.name,
            application.email,
            application.phone,
            application.region_code,
            application.language,
            application.status,
        ]
        count = 0
        for session in sessions:
            if session.cancelled or session.id not in marked:
                row.append("–")
            elif (session.id, application.id) in present:
                row.append("x")
                count += 1
            else:
                row.append("")
        row.append(str(count))
        writer.writerow([_safe(cell) for cell in row])
    audit.record(
        "course.export_participants",
        course,
        actor=actor,
        region=region or "all",
        rows=len(applications),
    )
    return BOM + out.getvalue()
