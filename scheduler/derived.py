"""Derived data kept per app process, rebuilt when the network changes; never shared.

Public pages, feeds and staff reports read data that changes a few times a day and is read
thousands of times an hour. Each process keeps what it computed (a listing, a report, a
rendered fragment, a feed) together with the network version it was computed at. One small
query per request (``network_version``: the newest change of any course, session, course
region and closure, each an index seek whatever the size of the network) says whether it is
still valid. A value also expires at a moment its builder names (for example when the next
session it shows ends) and after ``MAX_AGE`` at most, which bounds how long a change that
leaves no trace in those columns (a deleted row, a changed weight) takes to show.

Nothing here is needed by another process: every process builds its own, and a restart only
costs one rebuild. Values are never personal data: pages cache what anonymous visitors see.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import func, select

from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.database import FastSelect
from scheduler.dbtypes import utcnow
from scheduler.hosting.models import Closure

T = TypeVar("T")
MAX_AGE = timedelta(seconds=60)
MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024  # bytes values (feeds) share this budget per process
EXTENSION = "etapaiva.derived"

# The newest change of any course, session, course region and closure: four index seeks.
NETWORK_VERSION = FastSelect(
    select(
        select(func.max(Course.updated_at)).scalar_subquery(),
        select(func.max(Session.updated_at)).scalar_subquery(),
        select(func.max(CourseRegion.id)).scalar_subquery(),
        select(func.max(Closure.id)).scalar_subquery(),
    )
)


def network_version() -> tuple[str, ...]:
    """The network's version, read once per request."""
    if has_request_context() and "network_version" in g:
        return g.network_version
    row = NETWORK_VERSION.one() or ()
    version = tuple("" if value is None else str(value) for value in row)
    if has_request_context():
        g.network_version = version
    return version


@dataclass
class _Entry:
    value: Any
    version: tuple[str, ...]
    expires: datetime
    size: int


class DerivedCache:
    """A small LRU of derived values per process, each tagged with its network version."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, key: Hashable, version: tuple[str, ...], now: datetime) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.version != version or now >= entry.expires:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry.value

    def put(self, key: Hashable, value: Any, version: tuple[str, ...], expires: datetime) -> None:
        size = len(value) if isinstance(value, bytes | str) else 0
        if size > self.max_bytes // 4:
            return  # too big to be worth keeping
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = _Entry(value, version, expires, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def cache() -> DerivedCache:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, DerivedCache())
    return found


def derived(
    key: Hashable,
    build: Callable[[], T],
    *,
    valid_until: Callable[[T], datetime | None] | None = None,
    now: datetime | None = None,
) -> T:
    """The value for ``key``: kept if the network has not changed, else built again."""
    now = now or utcnow()
    version = network_version()
    store = cache()
    value = store.get(key, version, now)
    if value is not None:
        return value
    value = build()
    expires = now + MAX_AGE
    if valid_until is not None:
        until = valid_until(value)
        if until is not None:
            expires = min(expires, until)
    store.put(key, value, version, expires)
    return value
