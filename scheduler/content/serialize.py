"""JSON shapes of materials, their versions, attachments and translation requests."""

from __future__ import annotations

from typing import Any

from flask import url_for

from scheduler.content.models import Material, MaterialVersion, SessionMaterial, TranslationRequest
from scheduler.i18n import iso_local


def version_json(material: Material, version: MaterialVersion) -> dict[str, Any]:
    data: dict[str, Any] = {"language": version.language, "kind": version.kind}
    if version.kind == "link":
        data["url"] = version.url
    else:
        data.update(
            download_url=url_for(
                "content.download",
                material_id=material.id,
                language=version.language,
                _external=True,
            ),
            file_name=version.file_name,
            content_type=version.content_type,
            size=version.size,
        )
    return data


def material_json(material: Material) -> dict[str, Any]:
    return {
        "id": material.id,
        "title": material.title.as_dict(),
        "description": material.description.as_dict(),
        "languages": material.languages,
        "themes": material.themes,
        "owner_region": material.owner_region,
        "shared": material.shared,
        "public": material.public,
        "versions": [version_json(material, version) for version in material.versions],
        "created_at": iso_local(material.created_at),
        "page_url": url_for("content.material", material_id=material.id, _external=True),
    }


def attachment_json(link: SessionMaterial) -> dict[str, Any]:
    return {
        "id": link.id,
        "session": link.session_id,
        "material": link.material_id,
        "attached_at": iso_local(link.attached_at),
    }


def request_json(request: TranslationRequest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": request.id,
        "language": request.language,
        "status": request.status,
        "requesting_region": request.requesting_region,
        "material": request.material_id,
        "course": request.course_id,
        "title": request.subject_title.as_dict(),
        "created_at": iso_local(request.created_at),
        "fulfilled_at": iso_local(request.fulfilled_at),
    }
    if request.material is not None:
        data["owner_region"] = request.material.owner_region
    if request.course is not None:
        data["regions"] = request.course.region_codes
    return data
