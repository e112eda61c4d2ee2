"""Failed sign-ins per account and per client address, counted in the database.

Every app process on every host shares the count, so adding workers adds no guesses.
An attempt is counted *before* the password is checked, with one atomic upsert per key
(`INSERT … ON CONFLICT DO UPDATE … RETURNING` on PostgreSQL and SQLite alike), so even
simultaneous guesses cannot slip past the limit; a successful sign-in gives its count back.
Once a key is over its limit it is locked for SIGN_IN_LOCK_MINUTES: every attempt then
answers 429 with Retry-After, even with the right password, and is not counted again.

`hit` is the same counter for other purposes with their own keys, limits and windows
(the password-reset form counts every request per address and per client address).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scheduler.accounts.models import SignInThrottle
from scheduler.dbtypes import UTCDateTime, utcnow
from scheduler.extensions import db


@dataclass(frozen=True)
class Keys:
    account: str
    address: str


def keyed(purpose: str, value: str) -> str:
    """A keyed hash of `value` for `purpose`: the table names no one."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def keys_for(email: str, address: str | None) -> Keys:
    return Keys(
        account=keyed("sign-in-account", email.strip().lower()),
        address=keyed("sign-in-address", address or ""),
    )


def _limits(keys: Keys) -> list[tuple[str, int]]:
    config = current_app.config
    # Always the account first, then the address: one lock order, so no deadlocks.
    return [
        (keys.account, config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]),
        (keys.address, config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]),
    ]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["SIGN_IN_LOCK_MINUTES"])


def count_attempt(keys: Keys) -> int | None:
    """Count one attempt on both keys; the seconds to wait when either is locked, else None.

    Not committed here: the caller commits before checking the password.
    """
    waits = [hit(key, limit, _window()) for key, limit in _limits(keys)]
    counted = [wait for wait in waits if wait is not None]
    return max(counted) if counted else None


def hit(key: str, limit: int, window: timedelta) -> int | None:
    """Count one attempt on `key`: the seconds to wait when it is (now) locked, else None.

    More than `limit` attempts within `window` lock the key for `window`. Not committed.
    """
    now = utcnow()
    failures, locked_until = _add_one(key, now, window)
    if locked_until is not None and locked_until > now:
        left = locked_until - now
    elif failures > limit:
        left = _lock(key, now, window)
    else:
        return None
    return int(left.total_seconds()) + 1


def _add_one(key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
    table = SignInThrottle.__table__
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    locked = and_(table.c.locked_until.is_not(None), table.c.locked_until > now)
    expired = table.c.window_started_at <= now - window
    statement = (
        insert(table)
        .values(key_hash=key, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[table.c.key_hash],
            set_={
                # The right-hand sides read the row as it was before this statement.
                "failures": case(
                    (locked, table.c.failures), (expired, 1), else_=table.c.failures + 1
                ),
                "window_started_at": case(
                    (locked, table.c.window_started_at),
                    (expired, literal(now, UTCDateTime())),
                    else_=table.c.window_started_at,
                ),
            },
        )
        .returning(table.c.failures, table.c.locked_until)
    )
    failures, locked_until = db.session.execute(statement).one()
    return failures, locked_until


def _lock(key: str, now: datetime, window: timedelta) -> timedelta:
    lock = window
    db.session.execute(
        db.update(SignInThrottle)
        .where(SignInThrottle.key_hash == key)
        .values(locked_until=now + lock, failures=0, window_started_at=now)
        .execution_options(synchronize_session=False)
    )
    return lock


def give_back(keys: Keys) -> None:
    """After a successful sign-in: the account starts afresh, the address gets its try back."""
    db.session.execute(
        db.delete(SignInThrottle)
        .where(SignInThrottle.key_hash == keys.account)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        db.update(SignInThrottle)
        .where(SignInThrottle.key_hash == keys.address, SignInThrottle.failures > 0)
        .values(failures=SignInThrottle.failures - 1)
        .execution_options(synchronize_session=False)
    )


# No purpose counts over a longer window than this (see `hit`); older rows say nothing.
LONGEST_WINDOW = timedelta(days=1)


def forget_old() -> int:
    """Rows whose window and lock are both over say nothing any more."""
    now = utcnow()
    result = db.session.execute(
        db.delete(SignInThrottle).where(
            SignInThrottle.window_started_at <= now - max(_window(), LONGEST_WINDOW),
            (SignInThrottle.locked_until.is_(None)) | (SignInThrottle.locked_until <= now),
        )
    )
    return result.rowcount or 0
