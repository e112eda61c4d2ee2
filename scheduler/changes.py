"""One counter of committed changes, so a cached staff page knows when anything it shows moved.

The network version (scheduler.derived) sees courses, sessions, course regions and closures.
Staff pages such as the planner's desk also show applications, swap and translation requests,
attached materials and meeting links, and some of those changes are deletions, which leave no
newest timestamp behind. So every transaction that wrote through the ORM raises one counter
row as its last statement before COMMIT, and a page kept per process is valid while the
counter (read together with the network version, one round trip) is where it was.

Raising it last means a transaction holds the counter's row lock only while it commits, after
every other lock it takes, so writers queue there for a moment but cannot deadlock on it.
Writes that bypass the ORM session (the batched join counts) do not raise it: what they change
shows when a page's time limit runs out (scheduler.derived.MAX_AGE).
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import BigInteger, Integer, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session as OrmSession

from scheduler.extensions import db

CHANGED = "etapaiva.changed"
COUNTER_ID = 1


class ChangeCounter(db.Model):
    """A single row: how many write transactions the database has committed."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


@event.listens_for(OrmSession, "after_flush")
def _flushed(session: OrmSession, _context: Any) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[CHANGED] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _executed(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[CHANGED] = True


@event.listens_for(OrmSession, "before_commit")
def _raise_counter(session: OrmSession) -> None:
    session.flush()  # what is still pending is part of this transaction's changes
    if not session.info.pop(CHANGED, False):
        return
    if _has_counter(session):
        session.execute(_increment(session.get_bind().dialect.name))
    session.info.pop(CHANGED, None)  # the increment itself is not a change to count


@event.listens_for(OrmSession, "after_rollback")
def _rolled_back(session: OrmSession) -> None:
    session.info.pop(CHANGED, None)


def _increment(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(ChangeCounter)
        .values(id=COUNTER_ID, value=1)
        .on_conflict_do_update(
            index_elements=[ChangeCounter.id], set_={"value": ChangeCounter.value + 1}
        )
    )


_known: weakref.WeakSet[Any] = weakref.WeakSet()


def _has_counter(session: OrmSession) -> bool:
    """Whether the schema has the counter yet (not while an old revision is being upgraded);
    remembered per engine once it has."""
    engine = session.get_bind()
    if engine in _known:
        return True
    if inspect(session.connection()).has_table(ChangeCounter.__tablename__):
        _known.add(engine)
        return True
    return False
