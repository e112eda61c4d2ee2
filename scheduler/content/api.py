"""Materials, session attachments and translation requests in the JSON API."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from scheduler.accounts.auth import api_auth
from scheduler.api import bp
from scheduler.api import inputs as api_inputs
from scheduler.api.inputs import json_object
from scheduler.content import access, inputs, services, translations
from scheduler.content.files import FileTooLarge
from scheduler.content.serialize import attachment_json, material_json, request_json
from scheduler.errors import FieldErrors
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.regions.data import region_facts

STAFF = access.CONTENT_ROLES


def _is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


def _multipart() -> tuple[Any, Any]:
    """The form and files of a multipart request; a body over the limit is a clear 413."""
    try:
        return request.form, request.files
    except RequestEntityTooLarge:
        limit = current_app.config["MAX_UPLOAD_MB"]
        raise FileTooLarge(
            _l(
                "The upload is larger than %(limit)d MB. Send one file at a time: add the "
                "other language's file afterwards.",
                limit=limit,
            )
        ) from None


@bp.post("/materials")
@api_auth(*STAFF)
def create_material():
    if _is_multipart():
        form, files = _multipart()
        data = inputs.from_form(form, files)
    else:
        data = inputs.from_json(json_object())
    material = services.create_material(g.api_user, data)
    db.session.commit()
    return material_json(material), 201


def _filters() -> services.LibraryFilters:
    language = api_inputs.query_choice("language", LANGUAGES, _l('Use "fi" or "sv".'))
    codes = [fact.code for fact in region_facts()]
    region = api_inputs.query_choice("region", codes, _l("Unknown region code."))
    return services.LibraryFilters(
        language=language,
        theme=request.args.get("theme") or None,
        region=region,
        text=request.args.get("q") or None,
    )


@bp.get("/materials")
@api_auth(*STAFF)
def list_materials():
    materials, _total = services.search_materials(g.api_user, _filters())
    return {"materials": [material_json(material) for material in materials]}


@bp.get("/materials/<int:material_id>")
@api_auth(*STAFF)
def get_material(material_id: int):
    material = access.get_visible_material(g.api_user, material_id)
    return material_json(material)


@bp.post("/materials/<int:material_id>/versions")
@api_auth(*STAFF)
def add_version(material_id: int):
    material = access.get_editable_material(g.api_user, material_id)
    if _is_multipart():
        form, files = _multipart()
        added = inputs.added_version_from_form(form, files)
    else:
        added = inputs.added_version_from_json(json_object())
    services.add_version(
        g.api_user, material, added.version, title=added.title, description=added.description
    )
    db.session.commit()
    return material_json(material), 201


@bp.post("/materials/<int:material_id>/translation-requests")
@api_auth(*STAFF)
def request_material_translation(material_id: int):
    language = inputs.request_language(json_object())
    created = translations.request_material_translation(g.api_user, material_id, language)
    db.session.commit()
    return request_json(created), 201


@bp.post("/courses/<int:course_id>/translation-requests")
@api_auth(*STAFF)
def request_course_translation(course_id: int):
    language = inputs.request_language(json_object())
    created = translations.request_course_translation(g.api_user, course_id, language)
    db.session.commit()
    return request_json(created), 201


@bp.get("/translation-requests")
@api_auth(*STAFF)
def list_translation_requests():
    """`?scope=incoming` (default): open requests for the user's region to fulfil;
    `?scope=outgoing`: what the user's region has asked for."""
    scopes = ("incoming", "outgoing")
    scope = api_inputs.query_choice("scope", scopes, _l('Use "incoming" or "outgoing".'))
    found = (
        translations.requests_to(g.api_user)
        if scope in (None, "incoming")
        else translations.requests_from(g.api_user)
    )
    return {"requests": [request_json(item) for item in found]}


@bp.post("/courses/<int:course_id>/texts")
@api_auth("admin", "planner")
def fill_course_texts(course_id: int):
    """{"title": {"sv": "…"}, "description": {"sv": "…"}}: fills missing texts only."""
    data = json_object()
    errors = FieldErrors()
    api_inputs.only_fields(data, ("title", "description"), errors)
    texts: dict[str, str] = {}
    for part, limit in (("title", inputs.TITLE_MAX), ("description", inputs.DESCRIPTION_MAX)):
        value = data.get(part)
        if value is None:
            continue
        if not isinstance(value, dict) or set(value) - set(LANGUAGES):
            errors.add(part, _l('Give an object like {"sv": "…"}.'))
            continue
        for language, text in value.items():
            if not isinstance(text, str):
                errors.add(part, _l("Each language must be text."))
                continue
            checked = api_inputs.plain_text(
                text, part, errors, max_length=limit, single_line=part == "title"
            )
            texts[f"{part}_{language}"] = checked
    errors.raise_if_any(_l("Check the highlighted fields."))
    course = translations.get_course_for_texts(g.api_user, course_id)
    completed = translations.fill_course_texts(g.api_user, course, texts)
    db.session.commit()
    return {
        "id": course.id,
        "title": course.title.as_dict(),
        "description": course.description.as_dict(),
        "completed_languages": completed,
    }


@bp.post("/sessions/<int:session_id>/materials")
@api_auth(*STAFF)
def attach_material(session_id: int):
    data = json_object()
    errors = FieldErrors()
    api_inputs.only_fields(data, ("material",), errors)
    material_id = api_inputs.reference(data.get("material"), "material", errors)
    errors.raise_if_any(_l("Check the highlighted fields."))
    assert material_id is not None
    link = services.attach(g.api_user, session_id, material_id)
    db.session.commit()
    return attachment_json(link), 201


@bp.get("/sessions/<int:session_id>/materials")
@api_auth(*STAFF)
def list_session_materials(session_id: int):
    materials = services.session_materials(g.api_user, session_id)
    return {"materials": [material_json(material) for material in materials]}


@bp.delete("/sessions/<int:session_id>/materials/<int:material_id>")
@api_auth(*STAFF)
def detach_material(session_id: int, material_id: int):
    services.detach(g.api_user, session_id, material_id)
    db.session.commit()
    return "", 204
