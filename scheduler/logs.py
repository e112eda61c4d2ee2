"""Logs without secrets: JSON lines with a request id, and no personal token in any line.

Personal links carry their token in the path (``/my/<token>``, ``/my/<token>/card``,
``/join/p/<token>``, ``/calendar/p/<token>.ics``, ``/feedback/<token>``,
``/account/set-password/<token>``, the short links ``/m/<code>`` and ``/j/<code>`` …) or
in the query (``?token=…``). ``redact`` replaces every such value, and any other path
segment or query value that looks like a token, with ``REDACTED``; it also hides email
addresses and bearer tokens. The same formatters serve the application's loggers and
gunicorn's error and access logs (``deploy/gunicorn.conf.py`` names ``GunicornLogger``), so
no log line leaves the process unredacted.

Each request gets an id (``X-Request-ID`` from a proxy when it looks sane, else a new one),
sent back in the response header and written in every log line of that request and in its
access line (status, bytes and duration, never the client's address or user agent).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REDACTED = "REDACTED"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# Paths whose next segment is a secret (a trailing ".ics" is kept).
_TOKEN_PATH = re.compile(
    r"(/(?:my|m|j|join/p|calendar/p|calendar/f|feedback|account/set-password|account/reset"
    r"|sign-in/reset|invite|unsubscribe)/)"
    r"(?!course/|thanks\b)([^/?#\s\"'<>]+?)(?=\.ics\b|[/?#\s\"'<>]|$)"
)
# Query parameters whose value is a secret.
_SECRET_QUERY = re.compile(
    r"([?&;](?:token|jwt|key|secret|password|code|signature|auth|access_token)=)[^&#\s\"'<>]*",
    re.IGNORECASE,
)
# Anything else in a path segment or a query value that looks like a token: 32 or more
# URL-safe base64 characters with letters and digits (every token here has 43).
_TOKEN_LIKE = re.compile(r"(?<=[/=])[A-Za-z0-9_-]{32,}(?=[/?#&;.\s\"'<>]|$)")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _token_like(match: re.Match[str]) -> str:
    value = match.group(0)
    mixed = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    return REDACTED if mixed else value


def redact(text: str) -> str:
    """The text with tokens, secrets and email addresses replaced."""
    if not text:
        return text
    text = _TOKEN_PATH.sub(rf"\1{REDACTED}", text)
    text = _SECRET_QUERY.sub(rf"\1{REDACTED}", text)
    text = _BEARER.sub(rf"\1{REDACTED}", text)
    text = _EMAIL.sub("[email]", text)
    return _TOKEN_LIKE.sub(_token_like, text)


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class RedactingFormatter(logging.Formatter):
    """Plain text lines (development), redacted after formatting."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["error"] = record.exc_text
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class RedactingFilter(logging.Filter):
    """For loggers whose handlers are not ours (werkzeug's development server)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def formatter(kind: str) -> logging.Formatter:
    """``json`` (deployments) or ``text`` (a person reading a terminal)."""
    if kind == "json":
        return JsonFormatter()
    return RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def init_app(app: Flask) -> None:
    """Request ids on every request and response; redacting output for every log line."""
    from flask.logging import default_handler

    default_handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    development_server = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in development_server.filters):
        development_server.addFilter(RedactingFilter())
    root = logging.getLogger()
    if not root.handlers and not app.config["TESTING"]:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_tag_response)


def _start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _tag_response(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


# --- gunicorn ------------------------------------------------------------------------------------

try:  # gunicorn is a runtime dependency, but the package must import without it (tools)
    from gunicorn.glogging import Logger as _GunicornBase
except ImportError:  # pragma: no cover
    _GunicornBase = object  # type: ignore[assignment,misc]


class GunicornLogger(_GunicornBase):  # type: ignore[misc,valid-type]
    """gunicorn's logger with JSON, redacted output for its own lines and the access log.

    The handlers gunicorn makes for ``--error-logfile``/``--access-logfile`` keep their
    destinations and get our formatter; the application's loggers (through the root logger)
    write to the error log's handler.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        json_lines = JsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(json_lines)
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_gunicorn", False):
                root.removeHandler(handler)
        for handler in self.error_log.handlers:
            root.addHandler(handler)
        root.setLevel(logging.INFO)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        request_id = None
        for name, value in resp.headers:
            if name.lower() == REQUEST_ID_HEADER.lower():
                request_id = value
        query = environ.get("QUERY_STRING") or ""
        fields = {
            "event": "request",
            "method": environ.get("REQUEST_METHOD"),
            "path": redact(environ.get("PATH_INFO") or ""),
            "query": redact("?" + query)[1:] if query else "",
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
        }
        try:
            self.access_log.info("request", extra={"fields": fields, "request_id": request_id})
        except Exception:  # never let a log line break a response
            self.error("access log line could not be written")
