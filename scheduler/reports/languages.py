"""The language parity report: do bilingual regions offer sessions and materials in both
Finnish and Swedish (Language Act)?

Definitions, per region:
- sessions: scheduled sessions the region hosts that start in the period (local dates,
  both ends included), counted once for each language of their course — a bilingual
  course's session counts for fi and for sv;
- materials: materials the region owns that have a version (file or link) in the language,
  whatever the period;
- untranslated_courses: courses the region takes part in whose title lacks fi or sv,
  whatever the period.
Three grouped queries, whatever the size of the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_

from scheduler.content.models import Material, MaterialVersion
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.periods import day_bounds
from scheduler.regions.data import region_facts


def _zero() -> dict[str, int]:
    return dict.fromkeys(LANGUAGES, 0)


@dataclass
class RegionParity:
    code: str
    languages: tuple[str, ...]
    sessions: dict[str, int] = field(default_factory=_zero)
    materials: dict[str, int] = field(default_factory=_zero)
    untranslated_courses: int = 0

    @property
    def bilingual(self) -> bool:
        return len(self.languages) > 1

    @property
    def active(self) -> bool:
        return bool(
            sum(self.sessions.values()) or sum(self.materials.values()) or self.untranslated_courses
        )

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "sessions": dict(self.sessions),
            "materials": dict(self.materials),
            "untranslated_courses": self.untranslated_courses,
            "languages": list(self.languages),
        }


def language_parity(start: date, end: date) -> list[RegionParity]:
    """Every region (code order) with its numbers for the period."""
    rows = {fact.code: RegionParity(fact.code, fact.languages) for fact in region_facts()}
    begin, stop = day_bounds(start, end)

    sessions = db.session.execute(
        db.select(Session.host_region, Course.languages_csv, func.count(Session.id))
        .join(Course, Course.id == Session.course_id)
        .where(
            Session.status == "scheduled",
            Session.host_region.is_not(None),
            Session.starts_at >= begin,
            Session.starts_at < stop,
        )
        .group_by(Session.host_region, Course.languages_csv)
    )
    for region, languages_csv, count in sessions:
        for language in languages_csv.split(","):
            if region in rows and language in LANGUAGES:
                rows[region].sessions[language] += count

    materials = db.session.execute(
        db.select(
            Material.owner_region, MaterialVersion.language, func.count(Material.id.distinct())
        )
        .join(MaterialVersion, MaterialVersion.material_id == Material.id)
        .group_by(Material.owner_region, MaterialVersion.language)
    )
    for region, language, count in materials:
        if region in rows and language in LANGUAGES:
            rows[region].materials[language] = count

    untranslated = db.session.execute(
        db.select(CourseRegion.region_code, func.count(Course.id.distinct()))
        .join(Course, Course.id == CourseRegion.course_id)
        .where(or_(Course.title_fi == "", Course.title_sv == ""))
        .group_by(CourseRegion.region_code)
    )
    for region, count in untranslated:
        if region in rows:
            rows[region].untranslated_courses = count
    return list(rows.values())
