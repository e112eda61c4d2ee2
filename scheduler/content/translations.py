"""Translation requests and the Finnish–Swedish gaps of the network.

A region asks for a material's missing language version or a course's missing title or
description. The owner region (for a course: every participating region) sees the open
requests; adding the missing version or text fulfils them, and the asking region's planners
(and the person who asked) get an email in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.api import inputs
from scheduler.content import access
from scheduler.content.models import Material, MaterialVersion, TranslationRequest, open_key
from scheduler.courses.models import Course, CourseRegion
from scheduler.dbtypes import utcnow
from scheduler.errors import Conflict, FieldErrors, Forbidden, NotFound
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.notify.outbox import queue_email

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
REQUEST_LOAD = (
    selectinload(TranslationRequest.material).selectinload(Material.versions),
    selectinload(TranslationRequest.course).selectinload(Course.participations),
)


def other(language: str) -> str:
    return "sv" if language == "fi" else "fi"


def text_gaps(subject: Course | Material) -> dict[str, list[str]]:
    """Texts missing per language: the title, and the description when the other has one."""
    gaps: dict[str, list[str]] = {}
    for language in LANGUAGES:
        missing = []
        if not getattr(subject, f"title_{language}").strip():
            missing.append("title")
        if (
            not getattr(subject, f"description_{language}").strip()
            and getattr(subject, f"description_{other(language)}").strip()
        ):
            missing.append("description")
        if missing:
            gaps[language] = missing
    return gaps


def material_gaps(material: Material) -> dict[str, list[str]]:
    """Per language: "version" when no file or link exists, plus missing texts."""
    gaps = text_gaps(material)
    have = set(material.languages)
    for language in LANGUAGES:
        if language not in have:
            gaps.setdefault(language, []).insert(0, "version")
    return {language: gaps[language] for language in LANGUAGES if language in gaps}


# --- asking ---------------------------------------------------------------------------------


def _add_request(request: TranslationRequest) -> TranslationRequest:
    db.session.add(request)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This has already been asked for; the request is still open.")) from None
    return request


def _refuse_if_open(key: str) -> None:
    if db.session.scalar(
        db.select(TranslationRequest.id).where(TranslationRequest.open_key == key)
    ):
        raise Conflict(_l("This has already been asked for; the request is still open."))


def request_material_translation(user: User, material_id: int, language: str) -> TranslationRequest:
    region = access.asking_region(user)
    material = access.get_visible_material(user, material_id)
    if material.version(language) is not None:
        raise Conflict(_l("The material already has a version in this language."))
    key = open_key(material_id=material.id, language=language)
    _refuse_if_open(key)
    request = _add_request(
        TranslationRequest(
            material=material,
            language=language,
            requesting_region=region,
            open_key=key,
            requested_by_id=user.id,
        )
    )
    audit.record(
        "translation.request", request, actor=user, material=material.id, language=language
    )
    return request


def request_course_translation(user: User, course_id: int, language: str) -> TranslationRequest:
    region = access.asking_region(user)
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound(_l("No such course."))
    if language not in text_gaps(course):
        raise Conflict(_l("The course already has its texts in this language."))
    key = open_key(course_id=course.id, language=language)
    _refuse_if_open(key)
    request = _add_request(
        TranslationRequest(
            course=course,
            language=language,
            requesting_region=region,
            open_key=key,
            requested_by_id=user.id,
        )
    )
    audit.record("translation.request", request, actor=user, course=course.id, language=language)
    return request


# --- seeing ---------------------------------------------------------------------------------


def requests_to(user: User) -> list[TranslationRequest]:
    """Open requests the user's region is asked to fulfil (admins: all open requests)."""
    query = (
        db.select(TranslationRequest)
        .where(TranslationRequest.status == "open")
        .order_by(TranslationRequest.created_at, TranslationRequest.id)
        .options(*REQUEST_LOAD)
    )
    if not user.is_admin:
        region = user.region_code
        query = query.where(
            or_(
                TranslationRequest.material_id.in_(
                    db.select(Material.id).where(Material.owner_region == region)
                ),
                TranslationRequest.course_id.in_(
                    db.select(CourseRegion.course_id).where(CourseRegion.region_code == region)
                ),
            )
        )
    return list(db.session.scalars(query))


def requests_from(user: User, limit: int = 100) -> list[TranslationRequest]:
    """What the user's region has asked for, newest first (open and fulfilled)."""
    query = (
        db.select(TranslationRequest)
        .order_by(TranslationRequest.created_at.desc(), TranslationRequest.id.desc())
        .limit(limit)
        .options(*REQUEST_LOAD)
    )
    if not user.is_admin:
        query = query.where(TranslationRequest.requesting_region == user.region_code)
    return list(db.session.scalars(query))


def open_languages(*, material_id: int | None = None, course_id: int | None = None) -> set[str]:
    """Languages with an open request for one material or course (its page's buttons)."""
    column = (
        TranslationRequest.material_id == material_id
        if material_id is not None
        else TranslationRequest.course_id == course_id
    )
    return set(
        db.session.scalars(
            db.select(TranslationRequest.language).where(
                column, TranslationRequest.status == "open"
            )
        )
    )


# --- fulfilling -----------------------------------------------------------------------------


def _open_requests(*, language: str, material_id: int | None = None, course_id: int | None = None):
    return list(
        db.session.scalars(
            db.select(TranslationRequest).where(
                TranslationRequest.open_key
                == open_key(language=language, material_id=material_id, course_id=course_id)
            )
        )
    )


def fulfil_material_requests(actor: User, material: Material, language: str) -> int:
    requests = _open_requests(language=language, material_id=material.id)
    _fulfil(actor, requests)
    return len(requests)


def _fulfil(actor: User, requests: list[TranslationRequest]) -> None:
    if not requests:
        return
    now = utcnow()
    for request in requests:
        request.status = "fulfilled"
        request.open_key = None
        request.fulfilled_at = now
        request.fulfilled_by_id = actor.id
        audit.record("translation.fulfil", request, actor=actor, language=request.language)
    _notify(requests)


def _notify(requests: list[TranslationRequest]) -> None:
    """Email the asking regions' planners and whoever asked, each in their own language."""
    regions = {request.requesting_region for request in requests}
    askers = {request.requested_by_id for request in requests if request.requested_by_id}
    users = list(
        db.session.scalars(
            db.select(User).where(
                User.active.is_(True),
                or_(
                    and_(User.role == "planner", User.region_code.in_(regions)),
                    User.id.in_(askers),
                ),
            )
        )
    )
    for request in requests:
        recipients = {
            user.email: user
            for user in users
            if user.id == request.requested_by_id
            or (user.role == "planner" and user.region_code == request.requesting_region)
        }
        link = (
            url_for("content.material", material_id=request.material_id, _external=True)
            if request.material_id
            else url_for("courses.detail", course_id=request.course_id, _external=True)
        )
        for user in recipients.values():
            queue_email(
                user.email,
                "content/translation_done",
                user.language if user.language in LANGUAGES else "fi",
                kind="translation.fulfilled",
                item=request,
                title=request.subject_title,
                link=link,
            )


# --- course texts ---------------------------------------------------------------------------


def can_fill_course_texts(user: Any, course: Course) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_admin or (user.role == "planner" and user.region_code in course.region_codes))
    )


def get_course_for_texts(user: User, course_id: int) -> Course:
    course = db.session.get(Course, course_id, options=[selectinload(Course.participations)])
    if course is None:
        raise NotFound(_l("No such course."))
    if not can_fill_course_texts(user, course):
        raise Forbidden(_l("Only planners of the course's regions can write its texts."))
    return course


def fill_course_texts(user: User, course: Course, texts: dict[str, str]) -> list[str]:
    """Fill the course's missing titles and descriptions (never overwrite an existing text).

    `texts` has keys like "title_sv"; returns the languages that became complete, whose
    open requests are then fulfilled.
    """
    if not can_fill_course_texts(user, course):
        raise Forbidden(_l("Only planners of the course's regions can write its texts."))
    before = text_gaps(course)
    errors = FieldErrors()
    changed: list[str] = []
    for language, parts in before.items():
        for part in parts:
            name = f"{part}_{language}"
            limit = TITLE_MAX if part == "title" else DESCRIPTION_MAX
            value = inputs.plain_text(
                texts.get(name), name, errors, max_length=limit, single_line=part == "title"
            )
            if value:
                setattr(course, name, value)
                changed.append(name)
    if not changed and not errors:
        errors.add(
            next(
                (f"{part}_{lang}" for lang, parts in before.items() for part in parts), "title_sv"
            ),
            _l("Write at least one missing text."),
        )
    errors.raise_if_any(_l("Please check the texts."))
    for session in course.sessions:
        session.touch()  # calendar feeds show the title: subscribers must refresh
    audit.record("course.fill_texts", course, actor=user, fields=changed)
    after = text_gaps(course)
    completed = [language for language in before if language not in after]
    for language in completed:
        _fulfil(user, _open_requests(language=language, course_id=course.id))
    return completed


# --- what is missing ------------------------------------------------------------------------


@dataclass
class Gap:
    kind: str  # "course" | "material"
    subject: Any
    missing: dict[str, list[str]]
    asked: set[str] = field(default_factory=set)  # languages with an open request


def _incomplete_texts(model: Any) -> Any:
    return or_(
        model.title_fi == "",
        model.title_sv == "",
        and_(model.description_fi == "", model.description_sv != ""),
        and_(model.description_sv == "", model.description_fi != ""),
    )


def missing_translations(user: User) -> list[Gap]:
    """Courses of the user's region and materials shared with it that lack a Finnish or
    Swedish version or text (admins: the whole network). A constant number of queries."""
    courses = db.select(Course).where(_incomplete_texts(Course)).order_by(Course.first_session)
    if not user.is_admin:
        courses = courses.where(
            Course.id.in_(
                db.select(CourseRegion.course_id).where(
                    CourseRegion.region_code == user.region_code
                )
            )
        )
    per_language_version = [
        ~Material.versions.any(MaterialVersion.language == language) for language in LANGUAGES
    ]
    materials = (
        db.select(Material)
        .where(access.visible_clause(user), or_(_incomplete_texts(Material), *per_language_version))
        .order_by(Material.owner_region, Material.id)
        .options(selectinload(Material.versions))
    )
    gaps = [
        Gap("course", course, text_gaps(course))
        for course in db.session.scalars(courses.options(selectinload(Course.participations)))
    ]
    gaps += [
        Gap("material", material, material_gaps(material))
        for material in db.session.scalars(materials)
    ]
    course_ids = [gap.subject.id for gap in gaps if gap.kind == "course"]
    material_ids = [gap.subject.id for gap in gaps if gap.kind == "material"]
    open_keys = set(
        db.session.scalars(
            db.select(TranslationRequest.open_key).where(
                TranslationRequest.status == "open",
                or_(
                    TranslationRequest.course_id.in_(course_ids),
                    TranslationRequest.material_id.in_(material_ids),
                ),
            )
        )
    )
    for gap in gaps:
        ids = (
            {"course_id": gap.subject.id}
            if gap.kind == "course"
            else {"material_id": gap.subject.id}
        )
        gap.asked = {
            language for language in gap.missing if open_key(language=language, **ids) in open_keys
        }
    return gaps
