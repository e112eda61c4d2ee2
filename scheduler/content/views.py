"""Material pages: the library, a material's page, the upload and add-version forms, file
downloads, attaching to sessions and "my sessions' materials". Translation pages are in
translation_views.py (same blueprint)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound as HttpNotFound
from werkzeug.exceptions import RequestEntityTooLarge

from scheduler.accounts.auth import bearer_user, signed_in_user, staff_required
from scheduler.api.problems import problem
from scheduler.boundary.ids import form_reference
from scheduler.boundary.numbers import whole_number
from scheduler.content import (
    access,
    files,
    inputs,
    services,
    translation_views,  # noqa: F401  (its routes are on bp)
    translations,
)
from scheduler.content.blueprint import bp
from scheduler.content.models import Material
from scheduler.dbtypes import utcnow
from scheduler.errors import DomainError, NotFound
from scheduler.extensions import db, login_manager
from scheduler.i18n import LANGUAGES
from scheduler.pages import back_to, form_errors, render_error
from scheduler.regions.data import region_facts

PAGE_SIZE = 50
ATTACH_WEEKS = 12


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = whole_number(request.args.get(name))
    return default if value is None else min(max(value, low), high)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Any:
    """The whole request is over the limit: say so on the form instead of a bare error page."""
    limit = current_app.config["MAX_UPLOAD_MB"]
    message = _(
        "The upload is larger than %(limit)d MB. Send one file at a time: add the other "
        "language's file afterwards.",
        limit=limit,
    )
    db.session.rollback()
    if request.endpoint == "content.new_material":
        return _render_new({}, {"file_fi": [message]}, 413)
    return render_error(413, message)


@bp.get("/materials")
@staff_required()
def library():
    user = signed_in_user()
    codes = {fact.code for fact in region_facts()}
    filters = services.LibraryFilters(
        language=request.args.get("language")
        if request.args.get("language") in LANGUAGES
        else None,
        theme=(request.args.get("theme") or "").strip() or None,
        region=request.args.get("region") if request.args.get("region") in codes else None,
        text=(request.args.get("q") or "").strip()[:100] or None,
    )
    page = _int_arg("page", 1, 1, 10_000)
    materials, total = services.search_materials(
        user, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "content/library.html",
        materials=materials,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        themes=services.known_themes(user),
        regions=region_facts(),
    )


def _render_new(values: Any, errors: dict[str, list[str]], status: int) -> Any:
    return render_template(
        "content/new.html",
        values=values,
        errors=errors,
        max_mb=current_app.config["MAX_UPLOAD_MB"],
        allowed=files.ALLOWED_NAMES,
        accept=files.ACCEPT,
        regions=region_facts(),
    ), status


@bp.route("/materials/new", methods=["GET", "POST"])
@staff_required()
def new_material():
    if request.method == "GET":
        return _render_new({}, {}, 200)
    try:
        data = inputs.from_form(request.form, request.files)
        material = services.create_material(signed_in_user(), data)
    except DomainError as error:
        db.session.rollback()
        return _render_new(request.form, form_errors(error), error.status)
    db.session.commit()
    flash(_("The material was saved and shared."), "success")
    return redirect(url_for("content.material", material_id=material.id))


@bp.get("/materials/<int:material_id>")
@staff_required()
def material(material_id: int):
    user = signed_in_user()
    item = access.get_visible_material(user, material_id, options=services.MATERIAL_LOAD)
    now = utcnow()
    return render_template(
        "content/material.html",
        material=item,
        gaps=translations.material_gaps(item),
        asked=translations.open_languages(material_id=item.id),
        attached=services.attachments_of(item),
        attachable=services.attachable_sessions(user, now, now + timedelta(weeks=ATTACH_WEEKS)),
        can_edit=access.can_edit(user, item),
    )


def _render_add_version(item: Material, language: str, values: Any, errors: Any, status: int):
    return render_template(
        "content/add_version.html",
        material=item,
        language=language,
        values=values,
        errors=errors,
        max_mb=current_app.config["MAX_UPLOAD_MB"],
        allowed=files.ALLOWED_NAMES,
        accept=files.ACCEPT,
    ), status


@bp.route("/materials/<int:material_id>/versions/new", methods=["GET", "POST"])
@staff_required()
def add_version(material_id: int):
    user = signed_in_user()
    item = access.get_editable_material(user, material_id)
    language = request.values.get("language")
    if language not in LANGUAGES or item.version(language) is not None:
        flash(_("Choose a language the material does not have yet."), "error")
        return redirect(url_for("content.material", material_id=item.id))
    if request.method == "GET":
        return _render_add_version(item, language, {}, {}, 200)
    try:
        added = inputs.added_version_from_form(request.form, request.files)
        services.add_version(
            user, item, added.version, title=added.title, description=added.description
        )
    except DomainError as error:
        db.session.rollback()
        return _render_add_version(item, language, request.form, form_errors(error), error.status)
    db.session.commit()
    flash(_("The new language version was saved."), "success")
    return redirect(url_for("content.material", material_id=item.id))


def _downloader() -> Any:
    """The bearer token's user, else the signed-in user, else None."""
    if request.headers.get("Authorization"):
        return bearer_user()
    return signed_in_user() if current_user.is_authenticated else None


@bp.get("/materials/<int:material_id>/<language>/download")
def download(material_id: int, language: str):
    """Serve a file with its real type; images inline, everything else as an attachment."""
    if language not in LANGUAGES:
        raise HttpNotFound()
    user = _downloader()
    item = db.session.get(Material, material_id, options=[selectinload(Material.versions)])
    if item is None:
        raise HttpNotFound()
    if not access.can_see(user, item):
        if user is not None:
            raise HttpNotFound()
        if request.accept_mimetypes.accept_html:
            return login_manager.unauthorized()
        return problem(401, "Unauthorized", _("Sign in or send a bearer token."))
    version = item.version(language)
    if version is None:
        raise HttpNotFound()
    if version.kind == "link":
        return redirect(str(version.url))
    path = files.path_of(str(version.stored_name))
    if not path.is_file():
        raise HttpNotFound()
    inline = version.content_type in files.INLINE_TYPES
    response = send_file(
        path,
        mimetype=version.content_type,
        as_attachment=not inline,
        download_name=version.file_name,
        conditional=True,
        etag=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = (
        "public, max-age=300" if item.public else "private, no-cache"
    )
    return response


@bp.post("/materials/<int:material_id>/attach")
@staff_required()
def attach(material_id: int):
    session_id = form_reference(request.form.get("session"))
    try:
        if session_id is None:
            flash(_("Choose a session."), "error")
        else:
            services.attach(signed_in_user(), session_id, material_id)
            db.session.commit()
            flash(_("The material was attached to the session."), "success")
    except NotFound:
        raise  # a material the user cannot see: 404, like every other verb on it
    except DomainError as error:
        db.session.rollback()
        flash(str(error.detail), "error")
    return redirect(back_to(url_for("content.material", material_id=material_id)))


@bp.post("/sessions/<int:session_id>/materials/<int:material_id>/remove")
@staff_required()
def detach(session_id: int, material_id: int):
    try:
        services.detach(signed_in_user(), session_id, material_id)
    except NotFound:
        raise  # a hidden or unattached material: 404, like every other verb on it
    except DomainError as error:
        db.session.rollback()
        flash(str(error.detail), "error")
    else:
        db.session.commit()
        flash(_("The material was removed from the session."), "success")
    return redirect(back_to(url_for("desk.my_sessions")))


@bp.get("/materials/my-sessions")
def my_sessions():
    """Moved: the region's duties with their materials and join links are one page now."""
    return redirect(url_for("desk.my_sessions", **request.args.to_dict()), 301)
