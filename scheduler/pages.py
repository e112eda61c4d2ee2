"""What page views share: the error page and a safe way back to where the user came from."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template, request
from flask_babel import gettext as _

from scheduler.errors import DomainError


def local_path_or(target: str | None, default: str) -> str:
    """The target when it is a path on this site, else the default (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def back_to(default: str) -> str:
    """The form's or the query's `next` when it is a path on this site, else the default."""
    return local_path_or(request.form.get("next") or request.args.get("next"), default)


def render_error(status: int, detail: str) -> tuple[str, int]:
    titles = {
        400: _("The request could not be handled"),
        401: _("Please sign in"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("This action is not possible here"),
        409: _("This cannot be done right now"),
        413: _("The file is too large"),
        422: _("Please check the information"),
        429: _("Too many tries. Please wait a moment."),
        500: _("Something went wrong on our side"),
    }
    title = titles.get(status, _("Something went wrong"))
    return render_template("error.html", status=status, title=title, detail=detail), status


def form_errors(error: DomainError, default_field: str = "form") -> dict[str, list[str]]:
    """A domain error's messages per form field; one without fields goes to default_field."""
    found = {field: [str(m) for m in messages] for field, messages in error.errors.items()}
    return found or {default_field: [str(error.detail)]}
