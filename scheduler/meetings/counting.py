"""Anonymous counters for open groups: joins per session, answers per session and region.

A join is counted in the process's memory and written with the others in one upsert a few
seconds later (JOIN_COUNT_FLUSH_SECONDS; at process exit too), so pressing Join costs no
write transaction even when thousands press it at the top of the hour. The upsert adds to
the stored number atomically, so several processes and hosts never lose each other's
counts; a process killed outright loses at most the last few seconds of its counts. With
JOIN_COUNT_FLUSH_SECONDS = 0 every join is written at once. No IP address, cookie or person
is stored.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import Counter
from typing import Any

from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from scheduler.extensions import db
from scheduler.meetings.models import JoinCount, JoinRegionCount

log = logging.getLogger(__name__)
EXTENSION = "etapaiva.join_counter"


def _insert(model: Any) -> Any:
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def _add_joins(counts: dict[int, int]) -> None:
    """Add the counts to the stored ones in one statement (the caller commits)."""
    statement = _insert(JoinCount)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[JoinCount.session_id],
            set_={"joins": JoinCount.joins + statement.excluded.joins},
        ),
        [{"session_id": session_id, "joins": joins} for session_id, joins in counts.items()],
    )


class JoinCounter:
    """The joins this process has counted and not yet written."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, session_id: int) -> None:
        with self._lock:
            self._pending[session_id] += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="join-counts", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        """Write every ``interval`` seconds while there is something to write, then stop."""
        while True:
            time.sleep(self.interval)
            self.flush()
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return

    def flush(self) -> int:
        """Write what is pending; on failure keep it for the next try. Returns joins written."""
        with self._lock:
            counts, self._pending = dict(self._pending), Counter()
        if not counts:
            return 0
        with self.app.app_context():
            try:
                _add_joins(counts)
                db.session.commit()
            except IntegrityError:  # a session was deleted meanwhile: its joins go with it
                db.session.rollback()
                log.warning("join counts of deleted sessions dropped")
                return 0
            except SQLAlchemyError:
                db.session.rollback()
                with self._lock:
                    self._pending.update(counts)
                log.warning("join counts not written yet; will try again", exc_info=True)
                return 0
            finally:
                db.session.remove()
        return sum(counts.values())


def _counter() -> JoinCounter:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    counter = app.extensions.get(EXTENSION)
    if counter is None:
        counter = JoinCounter(app, float(app.config["JOIN_COUNT_FLUSH_SECONDS"]))
        app.extensions[EXTENSION] = counter
        atexit.register(_flush_at_exit, weakref.ref(counter))
    return counter


def _flush_at_exit(reference: weakref.ref[JoinCounter]) -> None:
    counter = reference()
    if counter is not None:
        counter.flush()


def count_join(session_id: int) -> None:
    """Count one join: buffered (see the module), or written and committed at once."""
    if current_app.config["JOIN_COUNT_FLUSH_SECONDS"] > 0:
        _counter().add(session_id)
        return
    try:
        _add_joins({session_id: 1})
        db.session.commit()
    except SQLAlchemyError:  # a busy database must not keep anyone out of the meeting
        db.session.rollback()
        log.warning("join not counted", exc_info=True)


def flush_joins() -> int:
    """Write this process's pending joins now (tests, shutdown)."""
    counter = current_app.extensions.get(EXTENSION)
    return counter.flush() if counter is not None else 0


def count_region(session_id: int, region_code: str) -> None:
    """Add one "I come from this region" answer (the caller commits)."""
    statement = _insert(JoinRegionCount).values(
        session_id=session_id, region_code=region_code, answers=1
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[JoinRegionCount.session_id, JoinRegionCount.region_code],
            set_={"answers": JoinRegionCount.answers + 1},
        )
    )


def joins_of(session_id: int) -> int:
    """Stored joins of the session, this process's pending ones included."""
    flush_joins()
    return (
        db.session.scalar(db.select(JoinCount.joins).where(JoinCount.session_id == session_id)) or 0
    )


def region_answers_of(session_id: int) -> dict[str, int]:
    rows = db.session.execute(
        db.select(JoinRegionCount.region_code, JoinRegionCount.answers).where(
            JoinRegionCount.session_id == session_id
        )
    )
    return {code: answers for code, answers in rows}


def counts_of(session_ids: list[int]) -> dict[int, tuple[int, dict[str, int]]]:
    """Joins and region answers of many sessions, in two queries: {id: (joins, {code: n})}."""
    if not session_ids:
        return {}
    found: dict[int, tuple[int, dict[str, int]]] = {}
    for session_id, joins in db.session.execute(
        db.select(JoinCount.session_id, JoinCount.joins).where(
            JoinCount.session_id.in_(session_ids)
        )
    ):
        found[session_id] = (joins, {})
    for session_id, code, answers in db.session.execute(
        db.select(JoinRegionCount.session_id, JoinRegionCount.region_code, JoinRegionCount.answers)
        .where(JoinRegionCount.session_id.in_(session_ids))
        .order_by(JoinRegionCount.region_code)
    ):
        found.setdefault(session_id, (0, {}))[1][code] = answers
    return found
