"""Join pages: one stable page per course (and per participant), the meeting link only at go-time.

The page never calls a provider, so it stays fast when many people open it at the top of
the hour; ``…/go`` makes sure the meeting exists and redirects. A provider outage shows
"the link is coming" and leaves the work to the retry command.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from scheduler.accounts.auth import staff_required
from scheduler.boundary.ids import form_reference
from scheduler.calendars.links import course_links
from scheduler.courses.models import Course
from scheduler.dbtypes import utcnow
from scheduler.enrolment.tokens import find_by_token
from scheduler.errors import NotFound
from scheduler.extensions import db
from scheduler.i18n import LANGUAGE_COOKIE, LANGUAGES
from scheduler.meetings import Joiner, counting, go, services
from scheduler.meetings.joinview import JoinCourse, join_course
from scheduler.meetings.window import JoinSituation, join_situation

bp = Blueprint("meetings", __name__)

STAFF_ROLES = ("admin", "planner", "facilitator")
# Why a personal link shows no button, and with which status.
PARTICIPANT_NOTICES = {
    "withdrawn": 410,
    "rejected": 410,
    "submitted": 200,
    "waitlisted": 200,
}


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["JOIN_WINDOW_MINUTES"])


def _private(response: Any, status: int) -> Any:
    """Join pages change by the minute and personal ones must not be cached anywhere."""
    response = current_app.make_response((response, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _staff() -> Any:
    if current_user.is_authenticated and getattr(current_user, "role", None) in STAFF_ROLES:
        return current_user
    return None


def _staff_of(course: JoinCourse) -> Any:
    """Signed-in staff of a participating region (or an admin) may join any course."""
    user = _staff()
    if user is None:
        return None
    if user.is_admin or user.region_code in course.region_codes:
        return user
    return None


def _use_language(preferred: str | None) -> None:
    """A participant's own language unless they chose one on the page (query or cookie)."""
    explicit = (
        request.args.get("lang") in LANGUAGES or request.cookies.get(LANGUAGE_COOKIE) in LANGUAGES
    )
    if preferred in LANGUAGES and not explicit and "language" not in g:
        g.language = preferred


def _page(
    course: JoinCourse | None,
    *,
    status: int = 200,
    notice: str | None = None,
    situation: JoinSituation | None = None,
    token: str | None = None,
    lead: str | None = None,
    link_problem: str | None = None,
) -> Any:
    go_url = None
    subscribe = add_session = None
    if course is not None and course.status == "cancelled":
        notice, situation = "course_cancelled", None  # the page says so, nothing to join
    if course is not None and situation is not None:
        if token:
            go_url = url_for("meetings.join_participant_go", token=token)
        else:
            go_url = url_for("meetings.join_open_go", course_id=course.id)
        subscribe, add_session = course_links(
            course,
            situation.open_session or situation.next_session,
            token=token,
        )
    if situation is not None and situation.open_session is not None and link_problem is None:
        link_problem = services.link_problem(course.meeting_provider, situation.open_session.id)
    answered = request.args.get("answered") == "1"
    ask_region = (
        course is not None
        and course.kind == "open"
        and token is None
        and situation is not None
        and situation.is_open
        and len(course.region_codes) > 1
        and not answered
    )
    page = render_template(
        "meetings/join.html",
        course=course,
        notice=notice,
        situation=situation,
        go_url=go_url,
        lead=lead,
        link_problem=link_problem,
        window_minutes=current_app.config["JOIN_WINDOW_MINUTES"],
        subscribe=subscribe,
        add_session=add_session,
        ask_region=ask_region,
        answered=answered,
        course_url=url_for("courses.detail", course_id=course.id) if course else None,
    )
    return _private(page, status)


def _course(course_id: int) -> JoinCourse:
    """The join page's snapshot of the course (scheduler.meetings.joinview)."""
    course = join_course(course_id, utcnow(), recent=_staff() is None)
    if course is None:
        raise NotFound(_l("No such course."))
    return course


def _situation(course: JoinCourse, now: datetime | None = None) -> JoinSituation:
    return join_situation(course.sessions, now or utcnow(), _window())


# --- open courses (and staff of any course) ---------------------------------------------------


@bp.get("/join/<int:course_id>")
def join_open(course_id: int):
    course = _course(course_id)
    if course.kind == "closed" and _staff_of(course) is None:
        return _page(course, notice="closed")
    return _page(course, situation=_situation(course))


@bp.get("/join/<int:course_id>/go")
def join_open_go(course_id: int):
    now = utcnow()
    target = go.course_target(course_id, now, _window())
    if target is None:
        raise NotFound(_l("No such course."))
    # Staff of other regions join as guests; anonymous joiners never read the course's page data.
    staff = _staff_of(_course(course_id)) if _staff() is not None else None
    if target.kind == "closed" and staff is None:
        return _page(_course(course_id), notice="closed", status=403)

    def joiner(session: Any) -> Joiner:
        if staff is not None:
            return Joiner(
                display_name=staff.name or staff.email.split("@", 1)[0],
                moderator=services.moderates(staff, session),
                user_id=f"staff-{staff.id}",
            )
        return Joiner(display_name=_("Guest"))

    return _go(target, joiner, now, count=target.kind == "open" and staff is None)


@bp.post("/join/<int:course_id>/region")
def answer_region(course_id: int):
    """The optional "which region are you joining from" tap; never stands in the way."""
    course = _course(course_id)
    target = {"course_id": course_id, "answered": "1"}
    if request.form.get("lang") in LANGUAGES:
        target["lang"] = request.form["lang"]
    region = request.form.get("region", "")
    session_id = form_reference(request.form.get("session"))
    situation = _situation(course)
    open_session = situation.open_session
    if (
        course.kind == "open"
        and open_session is not None
        and open_session.id == session_id
        and region in course.region_codes
    ):
        try:
            counting.count_region(open_session.id, region)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.warning("region answer not counted", exc_info=True)
    return redirect(url_for("meetings.join_open", **target), 303)


# --- participants of closed courses --------------------------------------------------------------


def _participant(token: str) -> tuple[Any, Any]:
    """(application, page answer): the answer is set when the link cannot be used."""
    application = find_by_token(token)
    if application is None:
        return None, _page(None, notice="unknown", status=404)
    _use_language(application.language)
    if application.status != "accepted":
        course = _course(application.course_id)
        status = PARTICIPANT_NOTICES.get(application.status, 404)
        return application, _page(course, notice=application.status, status=status)
    return application, None


@bp.get("/join/p/<token>")
def join_participant(token: str):
    application, refused = _participant(token)
    if refused is not None:
        return refused
    course = _course(application.course_id)
    return _page(course, situation=_situation(course), token=token)


@bp.get("/join/p/<token>/go")
def join_participant_go(token: str):
    now = utcnow()
    found = go.participant_target(token, now, _window())
    if found is None:
        return _page(None, notice="unknown", status=404)
    application, target = found
    if application.status != "accepted":
        _, refused = _participant(token)  # the page that explains why
        if refused is not None:
            if application.status in ("submitted", "waitlisted"):
                refused.status_code = 403
            return refused
    _use_language(application.language)
    name = application.name

    def joiner(session: Any) -> Joiner:
        return Joiner(display_name=name or _("Participant"))

    return _go(target, joiner, now, count=False, token=token)


# --- go ----------------------------------------------------------------------------------------


def _go(
    target: go.GoTarget, joiner: Any, now: Any, *, count: bool, token: str | None = None
) -> Any:
    """Inside the window: make sure the meeting exists, then 302 to it. Else 409 with a page."""
    if target.session is None or target.call is None:
        course = _course(target.course_id)
        return _page(
            course, situation=_situation(course, now), token=token, status=409, lead="closed_now"
        )
    who = joiner(target.session)
    ref = services.ensure_call(target.call, now=now, known=target.link)
    url = services.join_url_for(target.call, ref, who, now=now) if ref is not None else None
    if url is None:
        course = _course(target.course_id)
        response = _page(
            course,
            situation=_situation(course),
            token=token,
            status=503,
            link_problem="coming",
        )
        response.headers["Retry-After"] = "30"
        return response
    if count:
        counting.count_join(target.session.id)
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- planners ----------------------------------------------------------------------------------


@bp.get("/planner/meetings")
@staff_required()
def missing():
    """Coming sessions without a working meeting link, for the user's region (admin: all)."""
    region = None if current_user.is_admin else current_user.region_code
    rows = services.missing_links(region=region)
    return render_template("meetings/missing.html", rows=rows, region=region)


@bp.app_template_global()
def meeting_link_problems(course: Course) -> int:
    """For the staff marker on the course page: how many coming sessions lack a link."""
    if _staff() is None:
        return 0
    return services.count_missing(course.id)


@bp.app_template_global("dial_in")
def dial_in_global(course: services.MeetingCourse) -> Any:
    """The course's telephone number and PIN for the pages and messages that show a join link."""
    return services.dial_in_for(course)


@bp.app_template_global()
def join_window_open(starts_at: datetime | None, ends_at: datetime | None) -> bool:
    """Whether a scheduled session's join window is open now (catalogue card, course page)."""
    if starts_at is None or ends_at is None:
        return False
    return starts_at - _window() <= utcnow() < ends_at
