"""Turning JSON, multipart API requests and the upload form into one MaterialInput.

The API's multipart fields and the page's form fields are the same names (title_fi,
file_sv, url_fi, themes …), so both go through `from_form`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage, MultiDict

from scheduler.api import inputs
from scheduler.content.files import CheckedUpload, FileRefused, FileTooLarge, check_upload
from scheduler.errors import FieldErrors
from scheduler.i18n import LANGUAGES, LocalizedText
from scheduler.regions.data import region_facts

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
URL_MAX = 1000
THEME_MAX = 40
THEMES_MAX = 12
SHARING = ("network", "region", "public")
MATERIAL_FIELDS = (
    "title",
    "description",
    "url",
    "urls",
    "languages",
    "themes",
    "sharing",
    "public",
    "shared",
    "owner_region",
)
VERSION_FIELDS = ("language", "url", "title", "description")


@dataclass
class VersionInput:
    language: str
    url: str | None = None
    upload: CheckedUpload | None = None


@dataclass
class MaterialInput:
    title: LocalizedText
    description: LocalizedText
    themes: list[str] = field(default_factory=list)
    versions: list[VersionInput] = field(default_factory=list)
    shared: bool = True
    public: bool = False
    owner_region: str | None = None


def normalise_theme(value: str) -> str:
    """Free tags are compared lower-case with single spaces: "Uni  ja Lepo" → "uni ja lepo"."""
    return " ".join(value.replace("#", " ").split()).lower()


def themes_from(value: Any, errors: FieldErrors, *, allow_text: bool = False) -> list[str]:
    """A list of words (JSON) or, from forms, one comma-separated text."""
    if value is None or (allow_text and value == ""):
        return []
    if isinstance(value, str) and allow_text:
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.add("themes", _l('Give the themes as a list of words, like ["sleep", "exercise"].'))
        return []
    if len(value) > THEMES_MAX:
        errors.add("themes", _l("Give at most %(count)d themes.", count=THEMES_MAX))
        return []
    themes: list[str] = []
    for item in value:
        theme = normalise_theme(item)
        if not theme or theme in themes:
            continue
        if len(theme) > THEME_MAX:
            errors.add(
                "themes", _l("A theme can have at most %(count)d characters.", count=THEME_MAX)
            )
            continue
        themes.append(theme)
    return themes


def https_url(value: Any, name: str, errors: FieldErrors) -> str | None:
    """An https link, exactly as given (forms strip their fields before)."""
    if not isinstance(value, str) or not value:
        errors.add(name, _l("Give a link that starts with https://."))
        return None
    url = value
    try:
        parts = urlsplit(url)
        valid = parts.scheme == "https" and bool(parts.hostname)
    except ValueError:  # e.g. "https://[" (a broken IPv6 address)
        valid = False
    if not valid or any(c.isspace() for c in url):
        errors.add(name, _l("Give a link that starts with https://."))
        return None
    if len(url) > URL_MAX:
        errors.add(name, _l("At most %(count)d characters.", count=URL_MAX))
        return None
    return url


def language_from(value: Any, name: str, errors: FieldErrors) -> str | None:
    if value not in LANGUAGES:
        errors.add(name, _l('Use "fi" or "sv".'))
        return None
    return str(value)


FORM_TRUE = ("true", "1", "on", "yes")
FORM_FALSE = ("false", "0", "off", "no")


def _flag(value: Any, name: str, default: bool, errors: FieldErrors) -> bool:
    """A form's checkbox or true/false field (an empty one keeps the default)."""
    if value is None or value == "":
        return default
    if value in FORM_TRUE:
        return True
    if value in FORM_FALSE:
        return False
    errors.add(name, _l("Give true or false."))
    return default


def _sharing(data: Any, errors: FieldErrors, *, from_form: bool) -> tuple[bool, bool]:
    """(shared, public) from `sharing` ("network" | "region" | "public") or two flags
    (JSON booleans, or form checkbox values)."""
    sharing = data.get("sharing")
    if sharing is not None and (sharing != "" or not from_form):
        if sharing not in SHARING:
            errors.add("sharing", _l('Choose "network", "region" or "public".'))
            return True, False
        return sharing != "region", sharing == "public"
    if from_form:
        public = _flag(data.get("public"), "public", False, errors)
        shared = _flag(data.get("shared"), "shared", True, errors)
    else:
        public = inputs.flag(data.get("public"), "public", errors, default=False)
        shared = inputs.flag(data.get("shared"), "shared", errors, default=True)
    return shared or public, public


def _owner(data: Any, errors: FieldErrors, *, from_form: bool) -> str | None:
    code = data.get("owner_region")
    if code is None or (from_form and code == ""):
        return None
    if not isinstance(code, str) or code not in {fact.code for fact in region_facts()}:
        errors.add("owner_region", _l("Unknown region code."))
        return None
    return code


def from_json(data: dict[str, Any]) -> MaterialInput:
    """The contract's JSON: one https link (`url`) for the listed `languages`, or `urls` per
    language ({"fi": "https://…", "sv": "https://…"})."""
    errors = FieldErrors()
    inputs.only_fields(data, MATERIAL_FIELDS, errors)
    title = inputs.bilingual(
        data.get("title"), "title", errors, required=True, max_length=TITLE_MAX, single_line=True
    )
    description = inputs.bilingual(
        data.get("description"), "description", errors, required=False, max_length=DESCRIPTION_MAX
    )
    themes = themes_from(data.get("themes"), errors)
    versions: list[VersionInput] = []
    if data.get("urls") is not None:
        urls = data["urls"]
        if not isinstance(urls, dict) or not urls or set(urls) - set(LANGUAGES):
            errors.add("urls", _l('Give links like {"fi": "https://…", "sv": "https://…"}.'))
        else:
            for language, value in urls.items():
                url = https_url(value, "urls", errors)
                if url:
                    versions.append(VersionInput(language, url=url))
    else:
        url = https_url(data.get("url"), "url", errors)
        languages = data.get("languages")
        if (
            not isinstance(languages, list)
            or not languages
            or any(language not in LANGUAGES for language in languages)
        ):
            errors.add("languages", _l('Choose one or both of "fi" and "sv".'))
        elif len(set(languages)) != len(languages):
            errors.add("languages", _l("A language is listed twice."))
        elif url:
            versions = [VersionInput(language, url=url) for language in languages]
    shared, public = _sharing(data, errors, from_form=False)
    owner = _owner(data, errors, from_form=False)
    errors.raise_if_any(_l("Please check the material's information."))
    return MaterialInput(title, description, themes, versions, shared, public, owner)


def version_from_form(
    form: MultiDict[str, str],
    files: MultiDict[str, FileStorage],
    language: str,
    errors: FieldErrors,
    refused: dict[str, Any],
    *,
    file_field: str | None = None,
    url_field: str | None = None,
) -> VersionInput | None:
    """A file (`file_<lang>`) or a link (`url_<lang>`); a too-large file goes to `refused`."""
    file_field = file_field or f"file_{language}"
    url_field = url_field or f"url_{language}"
    file = files.get(file_field)
    has_file = file is not None and bool(file.filename)
    url_value = (form.get(url_field) or "").strip()
    if has_file and url_value:
        errors.add(file_field, _l("Give a file or a link, not both."))
        return None
    if url_value:
        url = https_url(url_value, url_field, errors)
        return VersionInput(language, url=url) if url else None
    if file is not None and has_file:
        try:
            upload = check_upload(file.stream, file.filename or "")
        except FileRefused as refusal:
            errors.add(file_field, refusal.message)
            if refusal.too_large:
                refused[file_field] = refusal
            return None
        return VersionInput(language, upload=upload)
    return None


@dataclass
class AddedVersion:
    version: VersionInput
    title: str = ""
    description: str = ""


def _text(value: Any, name: str, limit: int, errors: FieldErrors, *, single_line: bool) -> str:
    return inputs.plain_text(value, name, errors, max_length=limit, single_line=single_line)


def added_version_from_json(data: dict[str, Any]) -> AddedVersion:
    """{"language": "sv", "url": "https://…", "title": "…", "description": "…"}"""
    errors = FieldErrors()
    inputs.only_fields(data, VERSION_FIELDS, errors)
    language = language_from(data.get("language"), "language", errors)
    url = https_url(data.get("url"), "url", errors)
    title = _text(data.get("title"), "title", TITLE_MAX, errors, single_line=True)
    description = _text(
        data.get("description"), "description", DESCRIPTION_MAX, errors, single_line=False
    )
    errors.raise_if_any(_l("Please check the information."))
    assert language is not None
    return AddedVersion(VersionInput(language, url=url), title, description)


def added_version_from_form(
    form: MultiDict[str, str], files: MultiDict[str, FileStorage]
) -> AddedVersion:
    """Multipart: `language`, then `file` or `url`, and optional `title`, `description`."""
    errors = FieldErrors()
    refused: dict[str, Any] = {}
    language = language_from(form.get("language"), "language", errors)
    title = _text(form.get("title"), "title", TITLE_MAX, errors, single_line=True)
    description = _text(
        form.get("description"), "description", DESCRIPTION_MAX, errors, single_line=False
    )
    version = None
    if language:
        version = version_from_form(
            form, files, language, errors, refused, file_field="file", url_field="url"
        )
        if version is None and "file" not in errors and "url" not in errors:
            errors.add("file", _l("Add a file or a link."))
    raise_if_refused(errors, refused, _l("Please check the information."))
    assert version is not None
    return AddedVersion(version, title, description)


def raise_if_refused(errors: FieldErrors, refused: dict[str, Any], detail: Any) -> None:
    """413 when a file was too large (with every field message), else 422."""
    if refused:
        raise FileTooLarge(detail, errors=errors.errors)
    errors.raise_if_any(detail)


def from_form(form: MultiDict[str, str], files: MultiDict[str, FileStorage]) -> MaterialInput:
    errors = FieldErrors()
    refused: dict[str, Any] = {}
    title = inputs.bilingual(
        {language: form.get(f"title_{language}", "") for language in LANGUAGES},
        "title",
        errors,
        required=True,
        max_length=TITLE_MAX,
        single_line=True,
    )
    description = inputs.bilingual(
        {language: form.get(f"description_{language}", "") for language in LANGUAGES},
        "description",
        errors,
        required=False,
        max_length=DESCRIPTION_MAX,
    )
    raw_themes = form.getlist("themes")
    themes = themes_from(",".join(raw_themes), errors, allow_text=True)
    versions = [
        version
        for language in LANGUAGES
        if (version := version_from_form(form, files, language, errors, refused)) is not None
    ]
    if not versions and not any(name.startswith(("file_", "url_")) for name in errors.errors):
        errors.add("file_fi", _l("Add a file or a link in at least one language."))
    shared, public = _sharing(form, errors, from_form=True)
    owner = _owner(form, errors, from_form=True)
    raise_if_refused(errors, refused, _l("Please check the material's information."))
    return MaterialInput(title, description, themes, versions, shared, public, owner)


def request_language(data: dict[str, Any]) -> str:
    errors = FieldErrors()
    inputs.only_fields(data, ("language",), errors)
    language = language_from(data.get("language"), "language", errors)
    errors.raise_if_any()
    assert language is not None
    return language
