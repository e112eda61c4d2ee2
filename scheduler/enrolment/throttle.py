"""A modest per-address limit on anonymous applications, kept in the database.

It lives in the database (not in process memory) so that every app process on every host
sees the same count. Only stored applications count: rejected input stores nothing and
costs nothing. The address is kept only as a keyed hash, for one hour, linked to no one.
Behind a proxy or load balancer the app must see the client's address (ProxyFix),
otherwise every client shares the proxy's address and the limit.

The limit holds under concurrency: `reserve` first writes the submission's row and only
then counts, inside a section that admits one transaction per address at a time — on
PostgreSQL a transaction-scoped advisory lock on the address key, on SQLite the database's
single writer lock, taken by that first write. A transaction that finds itself over the
limit is rolled back, so its row never counts.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, text

from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import SubmissionThrottle
from scheduler.errors import TooManyRequests
from scheduler.extensions import db

WINDOW = timedelta(hours=1)
DEFAULT_PER_HOUR = 20  # a care home applying for its residents from one address stays under

__all__ = ["TooManyRequests", "address_key", "forget_old", "reserve"]


def _limit() -> int | None:
    config = current_app.config
    if config.get("RATELIMIT_ENABLED") is False:
        return None
    limit = config.get("APPLICATION_RATE_LIMIT_PER_HOUR", DEFAULT_PER_HOUR)
    return int(limit) if limit else None


def address_key(address: str | None) -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"throttle:{address or ''}".encode(), hashlib.sha256).hexdigest()


def lock_key(key_hash: str, purpose: str) -> None:
    """PostgreSQL: admit one transaction per key until it ends (a no-op on SQLite, where the
    caller's first write already admits only one writer)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{purpose}:{key_hash}".encode()).digest()
    number = int.from_bytes(digest[:8], "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


def reserve(address: str | None) -> None:
    """Count one application for the address, or raise TooManyRequests when it is over.

    Call it in the transaction that stores the application; the caller's rollback (on
    this error or any other) takes the reservation back.
    """
    limit = _limit()
    if limit is None:
        return
    key = address_key(address)
    lock_key(key, "application")
    now = utcnow()
    db.session.add(SubmissionThrottle(key_hash=key, at=now))
    db.session.flush()  # on SQLite this first write takes the writer lock
    since = now - WINDOW
    used, oldest = db.session.execute(
        db.select(func.count(), func.min(SubmissionThrottle.at)).where(
            SubmissionThrottle.key_hash == key, SubmissionThrottle.at > since
        )
    ).one()
    if used > limit:
        retry = int(((oldest or now) + WINDOW - now).total_seconds()) + 1
        raise TooManyRequests(
            _l(
                "Many applications were sent from this network just now. Please try again "
                "in an hour, or call the region."
            ),
            retry_after=retry,
        )
    forget_old()


def forget_old() -> int:
    result = db.session.execute(
        db.delete(SubmissionThrottle).where(SubmissionThrottle.at <= utcnow() - WINDOW)
    )
    return result.rowcount or 0
