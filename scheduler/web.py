"""Wiring for pages and API: blueprints, language selection, error answers, template helpers."""

from __future__ import annotations

import importlib
import logging
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    make_response,
    request,
)
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from scheduler.api import ROUTE_MODULES
from scheduler.api import bp as api
from scheduler.api.problems import from_domain_error, from_http_exception, problem, title
from scheduler.errors import DomainError
from scheduler.extensions import babel, csrf, db
from scheduler.i18n import (
    HELSINKI,
    LANGUAGE_COOKIE,
    LANGUAGES,
    LocalizedText,
    pick_language,
)
from scheduler.notify.outbox import send_soon_after_request
from scheduler.pages import render_error
from scheduler.regions.data import region_facts

log = logging.getLogger(__name__)
COMMAND_LANGUAGE = "en"  # the msgids are English, so commands print them as written

# Each package has views.py with a blueprint called `bp`.
PAGE_PACKAGES = (
    "site",
    "accounts",
    "regions",
    "courses",
    "hosting",
    "enrolment",
    "meetings",
    "calendars",
    "content",
    "reports",
    "followup",
    "lifecycle",
    "desk",
    "notify",
)


def init_babel(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=current_language, timezone_selector=lambda: "Europe/Helsinki"
    )


def current_language() -> str:
    """The request's language; commands speak English to operators unless forced otherwise."""
    if not has_request_context():
        return g.get("language", COMMAND_LANGUAGE) if has_app_context() else COMMAND_LANGUAGE
    if "language" not in g:
        g.language = pick_language(
            request.args.get("lang"),
            request.cookies.get(LANGUAGE_COOKIE),
            request.accept_languages,
        )
    return g.language


def register(app: Flask) -> None:
    for package in PAGE_PACKAGES:
        try:
            module = importlib.import_module(f"scheduler.{package}.views")
        except ModuleNotFoundError as error:
            if error.name != f"scheduler.{package}.views":
                raise
            continue
        app.register_blueprint(module.bp)
    for name in ROUTE_MODULES:
        importlib.import_module(name)  # each attaches its routes to the API blueprint
    csrf.exempt(api)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(api)

    app.after_request(send_soon_after_request)
    app.after_request(_security_headers)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.globals.update(
        current_language=current_language,
        languages=LANGUAGES,
        region_name=region_name,
        path_without_language=path_without_language,
        localized=localized,
    )
    app.jinja_env.filters.update(
        day=format_day,
        time=format_clock,
        datetime=format_moment,
        weekday_date=format_weekday_date,
    )
    app.jinja_env.add_extension("jinja2.ext.do")


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _domain_error(error: DomainError) -> Any:
    db.session.rollback()
    if _is_api():
        response = from_domain_error(error)
    else:
        response = make_response(render_error(error.status, str(error.detail)))
    response.headers.update(error.headers)
    return response


def _csrf_error(error: CSRFError) -> Any:
    return render_error(400, _("The form had expired. Please send it again."))


def _http_error(error: HTTPException) -> Any:
    if _is_api():
        return from_http_exception(error)
    if error.code is None or error.code < 400:
        return error
    page, status = render_error(error.code, "")
    allowed = getattr(error, "valid_methods", None)
    return page, status, {"Allow": ", ".join(allowed)} if allowed else {}


def _unexpected_error(error: Exception) -> Any:
    log.exception("unexpected error on %s %s", request.method, request.path)
    db.session.rollback()
    if _is_api():
        return problem(500, title(500), _("Something went wrong on our side."))
    return render_error(500, "")


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("HSTS_ENABLED"):
        # On by default when PUBLIC_BASE_URL is https; HSTS_ENABLED turns it on behind a
        # TLS-terminating proxy that the app reaches over plain http.
        headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['HSTS_MAX_AGE']}"
        )
    if response.mimetype == "text/html":
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        headers.setdefault("Content-Language", str(get_locale() or "fi"))
    return response


def path_without_language() -> str:
    """The current path and query without `lang`, so a language switch is not undone."""
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
    return request.path + (f"?{query}" if query else "")


def region_name(code: str | None, language: str | None = None) -> str:
    if code is None:
        return ""
    language = language or current_language()
    for fact in region_facts():
        if fact.code == code:
            return fact.name_sv if language == "sv" else fact.name_fi
    return code


def localized(text: LocalizedText) -> Markup:
    """The text in the page's language, or the other language marked as such."""
    value, fallback = text.resolve(current_language())
    if fallback is None:
        return Markup(escape(value))
    note = _("(in Finnish)") if fallback == "fi" else _("(in Swedish)")
    return Markup('<span lang="{lang}">{value}</span> <span class="fallback">{note}</span>').format(
        lang=fallback, value=value, note=note
    )


def format_day(moment: datetime | date, width: str = "full") -> str:
    """The local day, e.g. "maanantai 4. tammikuuta 2027" / "måndag 4 januari 2027"."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(HELSINKI).date()
    return format_date(moment, width)


# The weekday and the date without the year, written out the same way in both languages.
WEEKDAY_DATE = {"fi": "cccc d. MMMM", "sv": "EEEE d MMMM"}


def format_weekday_date(moment: datetime | date) -> str:
    """E.g. "maanantai 7. joulukuuta" / "måndag 7 december" (Helsinki time)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(HELSINKI).date()
    return format_date(moment, WEEKDAY_DATE.get(current_language(), WEEKDAY_DATE["fi"]))


def format_clock(moment: datetime) -> str:
    return format_time(moment, "HH.mm" if current_language() == "fi" else "HH:mm")


def format_moment(moment: datetime, width: str = "medium") -> str:
    return format_datetime(moment, width)
