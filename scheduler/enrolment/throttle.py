"""A modest per-address limit on anonymous applications, kept in the database.

It lives in the database (not in process memory) so that every app process on every host
sees the same count. Only stored applications count: rejected input stores nothing and
costs nothing. The address is kept only as a keyed hash, for one hour, linked to no one.
Behind a proxy or load balancer the app must see the client's address (ProxyFix),
otherwise every client shares the proxy's address and the limit.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from scheduler.dbtypes import utcnow
from scheduler.enrolment.models import SubmissionThrottle
from scheduler.errors import DomainError
from scheduler.extensions import db

WINDOW = timedelta(hours=1)
DEFAULT_PER_HOUR = 20  # a care home applying for its residents from one address stays under


class TooManyRequests(DomainError):
    status = 429
    title = _l("Too many requests")


def _limit() -> int | None:
    config = current_app.config
    if config.get("RATELIMIT_ENABLED") is False:
        return None
    limit = config.get("APPLICATION_RATE_LIMIT_PER_HOUR", DEFAULT_PER_HOUR)
    return int(limit) if limit else None


def address_key(address: str | None) -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"throttle:{address or ''}".encode(), hashlib.sha256).hexdigest()


def check(address: str | None) -> None:
    """Raise TooManyRequests when this address already sent the hour's share."""
    limit = _limit()
    if limit is None:
        return
    since = utcnow() - WINDOW
    used = db.session.scalar(
        db.select(db.func.count())
        .select_from(SubmissionThrottle)
        .where(SubmissionThrottle.key_hash == address_key(address), SubmissionThrottle.at > since)
    )
    if used >= limit:
        raise TooManyRequests(
            _l(
                "Many applications were sent from this network just now. Please try again "
                "in an hour, or call the region."
            )
        )


def note(address: str | None) -> None:
    """Count one stored application for the address and forget entries older than the window."""
    if _limit() is None:
        return
    forget_old()
    db.session.add(SubmissionThrottle(key_hash=address_key(address)))


def forget_old() -> int:
    result = db.session.execute(
        db.delete(SubmissionThrottle).where(SubmissionThrottle.at <= utcnow() - WINDOW)
    )
    return result.rowcount or 0
