"""Course rules: validating input, creating a course with its planned sessions, finding courses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.api import inputs
from scheduler.courses.models import KINDS, Course, CourseRegion, Session
from scheduler.dbtypes import utcnow
from scheduler.errors import FieldErrors, Forbidden, NotFound
from scheduler.extensions import db
from scheduler.hosting.planning import create_sessions
from scheduler.i18n import HELSINKI, LANGUAGES, LocalizedText
from scheduler.meetings import configured_providers as meeting_providers
from scheduler.regions.data import region_facts

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
PROVIDERS = ("static", "jitsi", "bigbluebutton")
COURSE_FIELDS = (
    "kind",
    "title",
    "description",
    "languages",
    "regions",
    "host_weights",
    "cohost",
    "first_session",
    "duration_minutes",
    "sessions",
    "capacity",
    "application_deadline",
    "meeting",
)
WEIGHT_MAX = 1000


@dataclass
class CourseInput:
    kind: str
    title: LocalizedText
    description: LocalizedText
    languages: list[str]
    regions: list[str]
    host_weights: dict[str, float] = field(default_factory=dict)
    cohost: bool = False
    first_session: datetime | None = None
    duration_minutes: int = 60
    sessions: int = 1
    capacity: int | None = None
    application_deadline: date | None = None
    meeting_provider: str = "static"
    meeting_url: str | None = None


def configured_providers() -> frozenset[str]:
    """The providers a course may choose: one rule, kept by scheduler.meetings."""
    return meeting_providers(current_app.config)


def parse_course_input(data: dict[str, Any], *, new_course: bool = True) -> CourseInput:
    """Check every rule of the contract's table; raise ValidationFailed listing all problems.

    A new course cannot start in the past; an existing one (checked again when edited) may
    have started already."""
    errors = FieldErrors()
    inputs.only_fields(data, COURSE_FIELDS, errors)
    known_regions = {fact.code: fact for fact in region_facts()}

    kind = data.get("kind")
    if kind not in KINDS:
        errors.add("kind", _l('Choose "open" or "closed".'))

    title = inputs.bilingual(
        data.get("title"), "title", errors, required=True, max_length=TITLE_MAX, single_line=True
    )
    description = inputs.bilingual(
        data.get("description"), "description", errors, required=False, max_length=DESCRIPTION_MAX
    )

    languages = data.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or any(lang not in LANGUAGES for lang in languages)
    ):
        errors.add("languages", _l('Choose one or both of "fi" and "sv".'))
        languages = []
    elif len(set(languages)) != len(languages):
        errors.add("languages", _l("A language is listed twice."))

    regions = data.get("regions")
    if not isinstance(regions, list) or not regions:
        errors.add("regions", _l("Choose at least one participating region."))
        regions = []
    elif any(not isinstance(code, str) or code not in known_regions for code in regions):
        errors.add("regions", _l("Unknown region code."))
        regions = [code for code in regions if isinstance(code, str) and code in known_regions]
    elif len(set(regions)) != len(regions):
        errors.add("regions", _l("A region is listed twice."))

    if regions and languages and "languages" not in errors:
        for language in languages:
            if not any(language in known_regions[code].languages for code in regions):
                errors.add(
                    "languages",
                    _l("No participating region serves in %(language)s.", language=language),
                )

    weights: dict[str, float] = {}
    raw_weights = data.get("host_weights")
    if raw_weights is not None:
        if not isinstance(raw_weights, dict):
            errors.add("host_weights", _l('Give weights like {"05": 2, "14": 1}.'))
        else:
            for code, raw in raw_weights.items():
                if code not in regions:
                    errors.add("host_weights", _l("Weights are only for participating regions."))
                    continue
                weight = inputs.positive_number(raw, "host_weights", errors, maximum=WEIGHT_MAX)
                if weight is not None:
                    weights[code] = weight

    cohost = data.get("cohost", False)
    if not isinstance(cohost, bool):
        errors.add("cohost", _l("Give true or false."))
        cohost = False
    elif cohost and len(regions) < 2:
        errors.add("cohost", _l("Co-hosting needs at least two participating regions."))

    first_session = None
    if data.get("first_session") is None:
        errors.add("first_session", _l("Required."))
    else:
        first_session = inputs.local_datetime(data["first_session"], "first_session", errors)
        if new_course and first_session is not None and first_session <= utcnow():
            errors.add("first_session", _l("The first session must be in the future."))
            first_session = None

    duration = inputs.integer(
        data.get("duration_minutes"), "duration_minutes", errors, minimum=15, maximum=480
    )
    count = inputs.integer(data.get("sessions"), "sessions", errors, minimum=1, maximum=200)

    # Checked whenever given; only closed courses need (and keep) them.
    capacity = deadline = None
    if data.get("capacity") is not None:
        capacity = inputs.integer(data["capacity"], "capacity", errors, minimum=1, maximum=10000)
    elif kind == "closed":
        errors.add("capacity", _l("Required for a closed course."))
    if data.get("application_deadline") is not None:
        deadline = inputs.iso_date(data["application_deadline"], "application_deadline", errors)
    elif kind == "closed":
        errors.add("application_deadline", _l("Required for a closed course."))
    if (
        kind == "closed"
        and deadline is not None
        and first_session is not None
        and deadline >= first_session.astimezone(HELSINKI).date()
    ):
        errors.add("application_deadline", _l("The deadline must be before the first session."))
    if kind != "closed":
        capacity = deadline = None

    provider, url = _parse_meeting(data.get("meeting"), errors)
    errors.raise_if_any(_l("Check the highlighted fields."))
    return CourseInput(
        kind=kind,
        title=title,
        description=description,
        languages=[lang for lang in LANGUAGES if lang in languages],
        regions=regions,
        host_weights=weights,
        cohost=cohost,
        first_session=first_session,
        duration_minutes=duration or 60,
        sessions=count or 1,
        capacity=capacity,
        application_deadline=deadline,
        meeting_provider=provider,
        meeting_url=url,
    )


def _parse_meeting(meeting: Any, errors: FieldErrors) -> tuple[str, str | None]:
    if not isinstance(meeting, dict) or meeting.get("provider") not in PROVIDERS:
        errors.add("meeting", _l('Choose a provider: "static", "jitsi" or "bigbluebutton".'))
        return "static", None
    if set(meeting) - {"provider", "url"}:
        errors.add("meeting", _l('Give only "provider" and, for "static", "url".'))
        return "static", None
    provider = meeting["provider"]
    url = meeting.get("url")
    if "url" in meeting and not _meeting_link(url):
        errors.add("meeting", _l("Give the meeting link, starting with https://."))
        return provider, None
    if provider not in configured_providers():
        errors.add("meeting", _l("This meeting provider is not configured on this service."))
        return provider, None
    if provider != "static":
        return provider, None
    if url is None:
        errors.add("meeting", _l("Give the meeting link, starting with https://."))
    return provider, url


def _meeting_link(url: Any) -> bool:
    return (
        isinstance(url, str)
        and url.startswith("https://")
        and 12 <= len(url) <= 500
        and not any(char.isspace() for char in url)
    )


def check_may_create(actor: User, regions: list[str]) -> None:
    if actor.is_admin:
        return
    if actor.role != "planner":
        raise Forbidden(_l("Only planners and administrators create courses."))
    if actor.region_code not in regions:
        raise Forbidden(_l("Your own region must participate in the course."))


def create_course(actor: User, data: CourseInput) -> Course:
    """Create the course and plan its sessions; the caller commits."""
    check_may_create(actor, data.regions)
    course = Course(
        kind=data.kind,
        title_fi=data.title.fi,
        title_sv=data.title.sv,
        description_fi=data.description.fi,
        description_sv=data.description.sv,
        languages_csv=",".join(data.languages),
        cohost=data.cohost,
        first_session=data.first_session,
        duration_minutes=data.duration_minutes,
        session_count=data.sessions,
        capacity=data.capacity,
        application_deadline=data.application_deadline,
        meeting_provider=data.meeting_provider,
        meeting_url=data.meeting_url,
        created_by_id=actor.id,
        participations=[
            CourseRegion(region_code=code, weight=data.host_weights.get(code, 1.0), position=i)
            for i, code in enumerate(data.regions)
        ],
    )
    db.session.add(course)
    db.session.flush()
    create_sessions(course)
    audit.record("course.create", course, actor=actor, kind=data.kind, regions=data.regions)
    return course


def get_course(course_id: int, *, lock: bool = False) -> Course:
    """The course with its regions and sessions; `lock` holds its row until commit."""
    query = (
        db.select(Course)
        .where(Course.id == course_id)
        .options(selectinload(Course.participations), selectinload(Course.sessions))
    )
    if lock:
        query = query.with_for_update(of=Course)
    course = db.session.scalar(query)
    if course is None:
        raise NotFound(_l("No such course."))
    return course


def get_session(session_id: int, *, lock: bool = False) -> Session:
    """The session with its course; `lock` holds the course row, serialising the session's
    changes with re-planning of the same course."""
    course_id = db.session.scalar(db.select(Session.course_id).where(Session.id == session_id))
    if course_id is None:
        raise NotFound(_l("No such session."))
    if lock:
        db.session.execute(db.select(Course.id).where(Course.id == course_id).with_for_update())
    session = db.session.scalar(
        db.select(Session)
        .where(Session.id == session_id)
        .options(joinedload(Session.course).selectinload(Course.participations))
        .execution_options(populate_existing=True)
    )
    if session is None:
        raise NotFound(_l("No such session."))
    return session


def find_courses(
    *, region: str | None = None, language: str | None = None, kind: str | None = None
) -> list[Course]:
    """Courses for the catalogue, newest first session first; two queries whatever the count."""
    query = db.select(Course).options(selectinload(Course.participations))
    if region:
        query = query.where(
            Course.id.in_(
                db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
            )
        )
    if language in LANGUAGES:
        query = query.where(Course.languages_csv.contains(language))
    if kind in KINDS:
        query = query.where(Course.kind == kind)
    return list(db.session.scalars(query.order_by(Course.first_session, Course.id)))


def next_sessions(course_ids: list[int], now: datetime, limit_per_course: int = 1) -> dict:
    """The running or next scheduled session of each course, in one query."""
    if not course_ids:
        return {}
    rows = db.session.scalars(
        db.select(Session)
        .where(
            Session.course_id.in_(course_ids),
            Session.ends_at > now,
            Session.status == "scheduled",
        )
        .order_by(Session.course_id, Session.starts_at)
    )
    found: dict[int, list[Session]] = {}
    for session in rows:
        bucket = found.setdefault(session.course_id, [])
        if len(bucket) < limit_per_course:
            bucket.append(session)
    return found
