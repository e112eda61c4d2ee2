"""Shared materials, their language versions and themes, session attachments and
translation requests (for a material's missing version or a course's missing text).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.courses.models import Course, Session
from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES, BilingualTexts, LocalizedText

VERSION_KINDS = ("file", "link")
REQUEST_STATUSES = ("open", "fulfilled")


class Material(BilingualTexts, db.Model):
    __tablename__ = "material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title_fi: Mapped[str] = mapped_column(String(200), default="")
    title_sv: Mapped[str] = mapped_column(String(200), default="")
    description_fi: Mapped[str] = mapped_column(Text, default="")
    description_sv: Mapped[str] = mapped_column(Text, default="")
    # Both titles case-folded in Python, so the text search works alike on SQLite and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_region: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    # shared: every region of the network sees it (default); otherwise the owner region only.
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    # public: its files can be downloaded without signing in (implies shared).
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list[MaterialVersion]] = relationship(
        back_populates="material", order_by="MaterialVersion.language", cascade="all, delete-orphan"
    )
    theme_rows: Mapped[list[MaterialTheme]] = relationship(
        order_by="MaterialTheme.theme", cascade="all, delete-orphan"
    )

    @property
    def languages(self) -> list[str]:
        have = {version.language for version in self.versions}
        return [language for language in LANGUAGES if language in have]

    @property
    def missing_languages(self) -> list[str]:
        return [language for language in LANGUAGES if language not in self.languages]

    @property
    def themes(self) -> list[str]:
        return [row.theme for row in self.theme_rows]

    def refresh_search_text(self) -> None:
        self.search_text = f"{self.title_fi}\n{self.title_sv}".casefold()

    def version(self, language: str) -> MaterialVersion | None:
        return next((v for v in self.versions if v.language == language), None)


class MaterialVersion(db.Model):
    """One language's content: an uploaded file (stored under a random name) or a link."""

    __tablename__ = "material_version"
    __table_args__ = (UniqueConstraint("material_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    stored_name: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    file_name: Mapped[str | None] = mapped_column(String(160), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(120), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    material: Mapped[Material] = relationship(back_populates="versions")


class MaterialTheme(db.Model):
    __tablename__ = "material_theme"
    __table_args__ = (UniqueConstraint("material_id", "theme"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id", ondelete="CASCADE"))
    theme: Mapped[str] = mapped_column(String(40), index=True)


class SessionMaterial(db.Model):
    __tablename__ = "session_material"
    __table_args__ = (UniqueConstraint("session_id", "material_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("course_session.id", ondelete="CASCADE"), index=True
    )
    material_id: Mapped[int] = mapped_column(
        ForeignKey("material.id", ondelete="CASCADE"), index=True
    )
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    material: Mapped[Material] = relationship()


class TranslationRequest(db.Model):
    """A region asks for a material's version or a course's text in one language.

    `open_key` is set while the request is open and cleared when it is fulfilled; being
    unique, it lets the database refuse a second open request for the same thing even
    when two hosts race.
    """

    __tablename__ = "translation_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    material_id: Mapped[int | None] = mapped_column(
        ForeignKey("material.id", ondelete="CASCADE"), nullable=True, index=True
    )
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), nullable=True, index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    requesting_region: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    open_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    fulfilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    material: Mapped[Material | None] = relationship()
    course: Mapped[Course | None] = relationship()

    @property
    def subject_title(self) -> LocalizedText:
        subject = self.material if self.material is not None else self.course
        return subject.title if subject is not None else LocalizedText()


def open_key(*, language: str, material_id: int | None = None, course_id: int | None = None) -> str:
    return f"material:{material_id}:{language}" if material_id else f"course:{course_id}:{language}"
