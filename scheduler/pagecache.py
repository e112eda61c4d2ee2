"""Public pages as anonymous visitors see them, kept per process and served with an ETag.

A page an anonymous visitor sees (no sign-in, nothing flashed) is the same for everyone who
asks for it in the same language with the same query, until the network changes or the
moment the view names (scheduler.derived). Such pages are rendered once per process and
then served from memory, with an ETag so a browser that has the page gets a 304. Pages
with a form that carries a CSRF token must not use this: the token belongs to one visitor.
Signed-in staff always get a freshly rendered page; the heavy, shared parts of staff
pages (a rotation grid, a report's table) are kept as fragments instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask_login import current_user
from markupsafe import Markup

from scheduler.derived import derived
from scheduler.web import current_language

BLOCKS = "etapaiva.blocks"
PUBLIC_CACHE = "public, no-cache"
VARY = "Cookie, Accept-Language"


@dataclass(frozen=True)
class _Page:
    body: bytes
    etag: str
    until: datetime | None


def anonymous() -> bool:
    """Nobody signed in and nothing flashed: the page is the same for every visitor."""
    return not current_user.is_authenticated and "_flashes" not in session


def public_page(
    name: str,
    render: Callable[[], tuple[str, datetime | None]],
    *,
    status: int = 200,
) -> Response:
    """The page ``name`` for this path and language, from the process's cache if it is there.

    ``render`` loads what the page shows and returns its HTML and the first moment the page
    would change by time alone (the next session start or end on it), or None.
    """
    if not anonymous():
        return Response(render()[0], status=status, mimetype="text/html")
    key = ("page", name, current_language(), request.full_path)

    def build() -> _Page:
        html, until = render()
        body = html.encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return _Page(body=body, etag=etag, until=until)

    page = derived(key, build, valid_until=lambda found: found.until, recent=True)
    headers = {"ETag": page.etag, "Cache-Control": PUBLIC_CACHE, "Vary": VARY}
    if page.etag in _tags(request.headers.get("If-None-Match", "")):
        return Response(status=304, headers=headers)
    return Response(page.body, status=status, headers=headers, mimetype="text/html")


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def cached_fragment(
    name: str,
    key: tuple[Any, ...],
    render: Callable[[], str],
    *,
    valid_until: datetime | None = None,
    any_change: bool = False,
) -> Markup:
    """A rendered piece of a staff page (a grid, a report table) from the process's cache.

    ``key`` must hold everything the piece depends on besides the network and the language
    (the period, the region it is for …); it must hold nothing of one user's session (no
    CSRF token): the piece is shared by everyone who asks with the same key. A piece that
    shows more than courses, sessions and closures (applications, requests, materials) sets
    ``any_change``, so that any committed change renders it again.
    """
    html = derived(
        ("fragment", name, current_language(), *key),
        render,
        valid_until=lambda _: valid_until,
        any_change=any_change,
    )
    return Markup(html)


def cached_timed_fragment(
    name: str, key: tuple[Any, ...], render: Callable[[], tuple[str, datetime | None]]
) -> Markup:
    """As ``cached_fragment`` for a piece that time alone changes: ``render`` returns its HTML
    and the first moment it would change (a session starting, say), or None."""
    html, _until = derived(
        ("fragment", name, current_language(), *key), render, valid_until=lambda found: found[1]
    )
    return Markup(html)


def cached_block(name: str, *key: Any, caller: Callable[[], str]) -> Markup:
    """`{% call cached_block("staff-nav", role, request.endpoint) %}…{% endcall %}` in a
    template: the block is rendered once per process for each language and key, then reused.

    Only for markup that depends on nothing but the key and the language (navigation, fixed
    texts): no CSRF token, no counts, no data. Whatever marks the current page (aria-current)
    must be in the key. Templates that reload (debug) are not cached.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.jinja_env.auto_reload:
        return Markup(caller())
    blocks = app.extensions.setdefault(BLOCKS, {})
    entry = (name, current_language(), *key)
    found = blocks.get(entry)
    if found is None:
        found = blocks[entry] = Markup(caller())
    return found


def init_app(app: Flask) -> None:
    app.add_template_global(cached_block)
