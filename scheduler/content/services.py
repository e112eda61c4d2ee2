"""Materials: creating them with their language versions, adding a version, searching the
library, attaching materials to sessions and listing a region's upcoming sessions with theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.content import access, files, translations
from scheduler.content.inputs import MaterialInput, VersionInput, normalise_theme
from scheduler.content.models import Material, MaterialTheme, MaterialVersion, SessionMaterial
from scheduler.courses.models import CourseRegion, Session
from scheduler.errors import Conflict, FieldErrors, Forbidden, NotFound
from scheduler.extensions import db

MATERIAL_LOAD = (selectinload(Material.versions), selectinload(Material.theme_rows))


def _owner_region(user: User, data: MaterialInput) -> str:
    if user.is_admin:
        if not data.owner_region:
            errors = FieldErrors()
            errors.add("owner_region", _l("Choose the region that owns the material."))
            errors.raise_if_any()
        return str(data.owner_region)
    if data.owner_region and data.owner_region != user.region_code:
        raise Forbidden(_l("You can add materials only for your own region."))
    return access.asking_region(user)


def _new_version(user: User, version: VersionInput) -> MaterialVersion:
    if version.upload is not None:
        upload = version.upload
        return MaterialVersion(
            language=version.language,
            kind="file",
            stored_name=files.store(upload),
            file_name=upload.file_name,
            content_type=upload.kind.content_type,
            size=upload.size,
            created_by_id=user.id,
        )
    return MaterialVersion(
        language=version.language, kind="link", url=version.url, created_by_id=user.id
    )


def create_material(user: User, data: MaterialInput) -> Material:
    """A new material owned by the user's region, with one version per given language."""
    if user.role not in access.CONTENT_ROLES:
        raise Forbidden(_l("Your role does not allow this."))
    owner = _owner_region(user, data)
    material = Material(
        title_fi=data.title.fi,
        title_sv=data.title.sv,
        description_fi=data.description.fi,
        description_sv=data.description.sv,
        owner_region=owner,
        shared=data.shared or data.public,
        public=data.public,
        created_by_id=user.id,
        theme_rows=[MaterialTheme(theme=theme) for theme in data.themes],
        versions=[_new_version(user, version) for version in data.versions],
    )
    material.refresh_search_text()
    db.session.add(material)
    db.session.flush()
    audit.record(
        "material.create",
        material,
        actor=user,
        owner_region=owner,
        languages=material.languages,
        shared=material.shared,
        public=material.public,
    )
    return material


def add_version(
    user: User,
    material: Material,
    version: VersionInput,
    *,
    title: str = "",
    description: str = "",
) -> MaterialVersion:
    """Add the missing language (with its title and description when they were missing too);
    open translation requests for that language are fulfilled and the askers told."""
    if not access.can_edit(user, material):
        raise Forbidden(_l("Only the owner region's staff can change this material."))
    if material.version(version.language) is not None:
        raise Conflict(_l("The material already has a version in this language."))
    row = _new_version(user, version)
    material.versions.append(row)
    language = version.language
    if title and not getattr(material, f"title_{language}"):
        setattr(material, f"title_{language}", title)
    if description and not getattr(material, f"description_{language}"):
        setattr(material, f"description_{language}", description)
    material.refresh_search_text()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("The material already has a version in this language.")) from None
    audit.record("material.add_version", material, actor=user, language=language, kind=row.kind)
    translations.fulfil_material_requests(user, material, language)
    return row


@dataclass(frozen=True)
class LibraryFilters:
    language: str | None = None
    theme: str | None = None
    region: str | None = None
    text: str | None = None


def _filtered(user: User, filters: LibraryFilters):
    query = db.select(Material).where(access.visible_clause(user))
    if filters.language:
        query = query.where(Material.versions.any(MaterialVersion.language == filters.language))
    if filters.theme:
        theme = normalise_theme(filters.theme)
        query = query.where(Material.theme_rows.any(MaterialTheme.theme == theme))
    if filters.region:
        query = query.where(Material.owner_region == filters.region)
    if filters.text and filters.text.strip():
        needle = filters.text.strip().casefold()
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Material.search_text.like(f"%{escaped}%", escape="\\"))
    return query


def search_materials(
    user: User, filters: LibraryFilters, *, limit: int | None = None, offset: int = 0
) -> tuple[list[Material], int]:
    """Materials shared with the user's region, newest first, and how many match in all.

    Three or four queries whatever the number of materials (versions and themes are
    loaded with one query each)."""
    query = _filtered(user, filters)
    total = db.session.scalar(db.select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(Material.created_at.desc(), Material.id.desc()).options(*MATERIAL_LOAD)
    if limit is not None:
        page = page.limit(limit).offset(offset)
    return list(db.session.scalars(page)), total


def known_themes(user: User) -> list[str]:
    """Every theme used on a material the user can see, for the library's theme filter."""
    return list(
        db.session.scalars(
            db.select(MaterialTheme.theme)
            .join(Material, Material.id == MaterialTheme.material_id)
            .where(access.visible_clause(user))
            .distinct()
            .order_by(MaterialTheme.theme)
        )
    )


def _session_for_staff(user: User, session_id: int) -> Session:
    session = db.session.get(Session, session_id, options=[selectinload(Session.course)])
    if session is None:
        raise NotFound(_l("No such session."))
    if user.role not in access.CONTENT_ROLES or not (
        user.is_admin or user.region_code in session.course.region_codes
    ):
        raise Forbidden(
            _l("Only staff of the course's regions can change its sessions' materials.")
        )
    return session


def attach(user: User, session_id: int, material_id: int) -> SessionMaterial:
    """Attach a material to a session of a course the user's region takes part in."""
    session = _session_for_staff(user, session_id)
    material = access.get_visible_material(user, material_id)
    exists = db.session.scalar(
        db.select(SessionMaterial.id).where(
            SessionMaterial.session_id == session.id, SessionMaterial.material_id == material.id
        )
    )
    if exists is not None:
        raise Conflict(_l("The material is already attached to this session."))
    link = SessionMaterial(session=session, material=material, attached_by_id=user.id)
    db.session.add(link)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("The material is already attached to this session.")) from None
    audit.record("session.attach_material", session, actor=user, material=material.id)
    return link


def detach(user: User, session_id: int, material_id: int) -> None:
    """Remove a material the user can see from a session of one of their region's courses.

    A material the user cannot see answers exactly like one that is not attached (404, the
    same words), so the answer never tells which hidden materials a session has.
    """
    session = _session_for_staff(user, session_id)
    link = db.session.scalar(
        db.select(SessionMaterial)
        .join(Material, Material.id == SessionMaterial.material_id)
        .where(
            SessionMaterial.session_id == session.id,
            SessionMaterial.material_id == material_id,
            access.visible_clause(user),
        )
    )
    if link is None:
        raise NotFound(_l("The material is not attached to this session."))
    db.session.delete(link)
    audit.record("session.detach_material", session, actor=user, material=material_id)


def session_materials(user: User, session_id: int) -> list[Material]:
    """The materials attached to one session that the user can see."""
    if db.session.get(Session, session_id) is None:
        raise NotFound(_l("No such session."))
    materials = db.session.scalars(
        db.select(Material)
        .join(SessionMaterial, SessionMaterial.material_id == Material.id)
        .where(SessionMaterial.session_id == session_id, access.visible_clause(user))
        .order_by(SessionMaterial.attached_at, SessionMaterial.id)
        .options(*MATERIAL_LOAD)
    )
    return list(materials)


@dataclass
class SessionWithMaterials:
    session: Session
    materials: list[Material]


def upcoming_with_materials(
    user: User, region: str, start: datetime, end: datetime
) -> list[SessionWithMaterials]:
    """Scheduled sessions the region hosts or co-hosts between start and end, each with the
    attached materials the user can see. A constant number of queries."""
    sessions = list(
        db.session.scalars(
            db.select(Session)
            .where(
                or_(Session.host_region == region, Session.cohost_region == region),
                Session.status == "scheduled",
                Session.ends_at >= start,
                Session.starts_at <= end,
            )
            .order_by(Session.starts_at, Session.id)
            .options(selectinload(Session.course))
        )
    )
    by_session: dict[int, list[Material]] = {session.id: [] for session in sessions}
    if sessions:
        links = db.session.scalars(
            db.select(SessionMaterial)
            .where(SessionMaterial.session_id.in_(list(by_session)))
            .order_by(SessionMaterial.attached_at, SessionMaterial.id)
            .options(
                selectinload(SessionMaterial.material).selectinload(Material.versions),
                selectinload(SessionMaterial.material).selectinload(Material.theme_rows),
            )
        )
        for link in links:
            if access.can_see(user, link.material):
                by_session[link.session_id].append(link.material)
    return [SessionWithMaterials(session, by_session[session.id]) for session in sessions]


def attachable_sessions(user: User, start: datetime, end: datetime) -> list[Session]:
    """Upcoming scheduled sessions of the courses the user's region takes part in."""
    query = (
        db.select(Session)
        .where(Session.status == "scheduled", Session.ends_at >= start, Session.starts_at <= end)
        .order_by(Session.starts_at, Session.id)
        .options(selectinload(Session.course))
    )
    if not user.is_admin:
        query = query.where(
            Session.course_id.in_(
                db.select(CourseRegion.course_id).where(
                    CourseRegion.region_code == user.region_code
                )
            )
        )
    return list(db.session.scalars(query))


def attachments_of(material: Material) -> list[Session]:
    """The sessions a material is attached to, soonest first (for its page)."""
    return list(
        db.session.scalars(
            db.select(Session)
            .join(SessionMaterial, SessionMaterial.session_id == Session.id)
            .where(SessionMaterial.material_id == material.id)
            .order_by(Session.starts_at)
            .options(selectinload(Session.course))
        )
    )
