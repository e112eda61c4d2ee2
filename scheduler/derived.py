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

The hottest anonymous reads (a feed's "has it changed?", the Join redirect's open session, the
network version behind a public page) go through ``recently_read``: a read may be reused for
``HOT_READ_MAX_AGE_MS`` (1 s) when the data was changed by another process, and never once
this process has committed anything since it was read. That turns thousands of identical
queries a second into one per process per second, and staff, who change data, always read it
fresh where it matters (their own pages use ``network_version`` without reuse).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession

from scheduler.changes import COUNTER_ID, ChangeCounter
from scheduler.courses.models import Course, CourseRegion, Session
from scheduler.database import FastSelect
from scheduler.dbtypes import utcnow
from scheduler.hosting.models import Closure

T = TypeVar("T")
MAX_AGE = timedelta(seconds=60)
MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024  # bytes values (feeds) share this budget per process
EXTENSION = "etapaiva.derived"
RECENT = "etapaiva.recent"
RECENT_MAX_ENTRIES = 20_000

# The newest change of any course, session, course region and closure: four index seeks.
NETWORK_VERSION = FastSelect(
    select(
        select(func.max(Course.updated_at)).scalar_subquery(),
        select(func.max(Session.updated_at)).scalar_subquery(),
        select(func.max(CourseRegion.id)).scalar_subquery(),
        select(func.max(Closure.id)).scalar_subquery(),
    )
)


# The network's version and the count of all committed changes (scheduler.changes): for staff
# pages that also show applications, requests and materials. Still one round trip.
DATA_VERSION = FastSelect(
    select(
        *NETWORK_VERSION.statement.selected_columns,
        select(ChangeCounter.value).where(ChangeCounter.id == COUNTER_ID).scalar_subquery(),
    )
)


# --- reads that may be a moment old -------------------------------------------------------------

_commits = itertools.count()
_generation = next(_commits)


@event.listens_for(Engine, "commit")
@event.listens_for(OrmSession, "after_commit")
def _committed(*_: Any) -> None:
    """Count this process's commits (before the database's and after the ORM's): a value read
    before the last one may miss this process's own change."""
    global _generation
    _generation = next(_commits)


def recently_read(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, or its value from at most ``HOT_READ_MAX_AGE_MS`` ago if this process has
    committed nothing since. Only for anonymous, public reads that tolerate a second's lag
    behind another process's change (a calendar client, a Join redirect)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    max_age = app.config.get("HOT_READ_MAX_AGE_MS", 0) / 1000
    if max_age <= 0:
        return read()
    memo: dict[Hashable, tuple[Any, int, float]] = app.extensions.setdefault(RECENT, {})
    generation, now = _generation, time.monotonic()
    found = memo.get(key)
    if found is not None and found[1] == generation and now - found[2] < max_age:
        return found[0]
    value = read()
    if len(memo) >= RECENT_MAX_ENTRIES:
        memo.clear()  # many distinct tokens: start again rather than keep them all
    memo[key] = (value, generation, now)
    return value


def _version(name: str, read: Callable[[], tuple[Any, ...] | None]) -> tuple[str, ...]:
    """A version row as text, read once per request (kept on ``g`` under ``name``)."""
    if has_request_context() and name in g:
        return g.get(name)
    version = tuple("" if value is None else str(value) for value in read() or ())
    if has_request_context():
        setattr(g, name, version)
    return version


def network_version(*, recent: bool = False) -> tuple[str, ...]:
    """The network's version, read once per request (``recent``: as ``recently_read``)."""
    read = NETWORK_VERSION.one
    if recent:
        return _version("network_version", lambda: recently_read("network_version", read))
    return _version("network_version", read)


def data_version() -> tuple[str, ...]:
    """The network's version and the change counter, read once per request, never reused."""
    return _version("data_version", DATA_VERSION.one)


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
    recent: bool = False,
    any_change: bool = False,
) -> T:
    """The value for ``key``: kept if the network has not changed, else built again
    (``recent``: the network's version may be a moment old, see ``recently_read``;
    ``any_change``: any committed change at all makes it old, see ``data_version``)."""
    now = now or utcnow()
    version = data_version() if any_change else network_version(recent=recent)
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
