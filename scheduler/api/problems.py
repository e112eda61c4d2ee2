"""Errors as application/problem+json (RFC 9457), with field errors in the user's language."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from flask_babel import get_locale, gettext
from werkzeug.exceptions import HTTPException

from scheduler.errors import DomainError

PROBLEM_TYPES = "https://etapaiva.fi/problems/"


def problem(
    status: int, title: str, detail: Any = "", errors: dict[str, list[Any]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPES + str(status),
        "title": str(title),
        "status": status,
        "detail": str(detail),
    }
    if errors:
        body["errors"] = {field: [str(m) for m in messages] for field, messages in errors.items()}
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    response.headers["Content-Language"] = _language()
    return response


def title(status: int) -> str:
    """The problem's title in the user's language (RFC 9457 leaves the words to us)."""
    titles = {
        400: gettext("The request could not be read"),
        401: gettext("Sign-in required"),
        403: gettext("Not allowed"),
        404: gettext("Not found"),
        405: gettext("Method not allowed"),
        409: gettext("Conflicts with the current state"),
        413: gettext("Too large"),
        415: gettext("Unsupported content type"),
        422: gettext("Invalid input"),
        429: gettext("Too many requests"),
        500: gettext("Internal error"),
        503: gettext("Service unavailable"),
    }
    return titles.get(status, gettext("Error"))


def from_domain_error(error: DomainError) -> Response:
    return problem(error.status, title(error.status), error.detail, error.errors)


def from_http_exception(error: HTTPException) -> Response:
    details = {
        400: gettext("The request could not be read."),
        401: gettext("Sign-in required"),
        403: gettext("Not allowed"),
        404: gettext("Not found"),
        405: gettext("This method is not allowed here."),
        413: gettext("The upload is too large."),
        415: gettext("Send JSON with Content-Type application/json."),
        429: gettext("Too many requests. Try again in a moment."),
    }
    status = error.code or 500
    response = problem(status, title(status), details.get(status, ""))
    allowed = getattr(error, "valid_methods", None)
    if allowed:  # 405 names the methods that are allowed (RFC 9110)
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "fi"
