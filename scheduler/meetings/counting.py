"""Anonymous counters for open groups: joins per session, answers per session and region.

One atomic upsert per count (no read-modify-write), so joins bunched at the top of the hour
from many processes never lose a count. No IP address, cookie or person is stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from scheduler.extensions import db
from scheduler.meetings.models import JoinCount, JoinRegionCount


def _insert(model: Any) -> Any:
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def count_join(session_id: int) -> None:
    """Add one join to the session's counter (the caller commits)."""
    statement = _insert(JoinCount).values(session_id=session_id, joins=1)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[JoinCount.session_id],
            set_={"joins": JoinCount.joins + 1},
        )
    )


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
