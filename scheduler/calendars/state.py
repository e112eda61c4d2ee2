"""Has a feed changed? One small query per conditional request, on a bare pooled connection.

Calendar clients poll feeds far more often than sessions change, so the answer to
If-None-Match must cost about as much as a trivial page. Each query below is a handful of
index lookups whatever the size of the feed (measured by ``bench/calendars.py``):

- course (and participant) feeds: the number of sessions (a short covering-index count), the
  newest ``course_session.updated_at`` and the course's own ``updated_at``;
- one session: its ``updated_at`` and ``sequence`` and its course's ``updated_at``;
- a region's duties: the newest change of any course or session in the network (and
  whether the secret token matches). Looking at the whole network, not only the region's
  duties, means a duty moving to another region changes the ETag and Last-Modified of the
  region it left, and the answer costs a few index seeks however long the history.

Every change that subscribers must see goes through ``Session.touch()``, which raises
``updated_at`` (and SEQUENCE); that is what these queries rely on. The queries run on a raw
DB-API connection from the engine's pool: no ORM session and no statement compiling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scheduler.extensions import db

_PARAMETER = re.compile(r":(\w+)")


@dataclass(frozen=True)
class StateQuery:
    """SQL with :named parameters; column 0 says whether the feed exists (0 = no)."""

    sql: str
    changes: tuple[int, ...]  # columns holding timestamps (for Last-Modified)
    count: int | None = None  # column holding the number of sessions, if any
    _prepared: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict, compare=False)

    def prepared(self, paramstyle: str) -> tuple[str, tuple[str, ...]]:
        """The SQL in the driver's parameter style (qmark for sqlite3, pyformat for psycopg)."""
        found = self._prepared.get(paramstyle)
        if found is None:
            names = tuple(_PARAMETER.findall(self.sql))
            if paramstyle == "qmark":
                sql = _PARAMETER.sub("?", self.sql)
            elif paramstyle == "pyformat":
                sql = _PARAMETER.sub(lambda match: f"%({match.group(1)})s", self.sql)
            elif paramstyle == "named":
                sql = self.sql
            else:
                raise RuntimeError(f"unsupported DB-API paramstyle {paramstyle}")
            found = self._prepared[paramstyle] = (sql, names)
        return found


COURSE = StateQuery(
    """
    SELECT (SELECT count(*) FROM course WHERE id = :course),
           (SELECT max(updated_at) FROM course WHERE id = :course),
           (SELECT count(*) FROM course_session WHERE course_id = :course),
           (SELECT max(updated_at) FROM course_session WHERE course_id = :course)
    """,
    changes=(1, 3),
    count=2,
)

SESSION = StateQuery(
    """
    SELECT (SELECT count(*) FROM course_session WHERE id = :session AND course_id = :course),
           (SELECT max(updated_at) FROM course WHERE id = :course),
           (SELECT max(sequence) FROM course_session WHERE id = :session),
           (SELECT max(updated_at) FROM course_session WHERE id = :session)
    """,
    changes=(1, 3),
)

# A region's duties change whenever any course or session does, so the region feeds are
# validated against the newest change in the whole network: four index seeks (and the token),
# whatever the size of the network or the length of its history.
REGION = StateQuery(
    """
    SELECT (SELECT count(*) FROM calendar_feed_token
             WHERE token_hash = :token_hash AND region_code = :region),
           (SELECT max(updated_at) FROM course),
           (SELECT max(updated_at) FROM course_session),
           (SELECT max(id) FROM course_region)
    """,
    changes=(1, 2),
)


def run(query: StateQuery, params: dict[str, Any]) -> tuple[Any, ...]:
    """One row of the state query, read on a pooled DB-API connection."""
    engine = db.engine
    sql, names = query.prepared(engine.dialect.paramstyle)
    arguments: Any = [params[name] for name in names]
    if engine.dialect.paramstyle != "qmark":
        arguments = params
    connection = engine.raw_connection()
    # PostgreSQL: one statement in autocommit is one round trip (no BEGIN, no ROLLBACK when
    # the connection goes back to the pool), which is most of the cost of a 304 there.
    driver = connection.driver_connection if engine.dialect.name == "postgresql" else None
    try:
        if driver is not None:
            driver.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute(sql, arguments)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        if driver is not None:
            driver.autocommit = False
        connection.close()  # back to the pool
    return tuple(row)


def as_utc(value: Any) -> datetime | None:
    """A timestamp column as an aware UTC datetime (SQLite gives text, PostgreSQL naive)."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite: "2027-01-04 08:00:00.000000", naive UTC
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
