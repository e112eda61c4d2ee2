"""Secret feed addresses: a region's duties feed and each facilitator's own feed.

The token is shown once, when it is made; only its hash is kept. Renewing makes a new one
(the old address stops at once), revoking removes it. Every change is in the audit log,
never the token.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from scheduler import audit
from scheduler.accounts.models import User
from scheduler.calendars.models import CalendarFeedToken
from scheduler.dbtypes import utcnow
from scheduler.errors import Forbidden, NotFound
from scheduler.extensions import db
from scheduler.regions.data import region_facts
from scheduler.security import hash_token, new_token

MAX_TOKEN_LENGTH = 100


def may_manage_region(actor: User, region_code: str) -> bool:
    """Planners of the region, and admins."""
    return actor.is_admin or (actor.role == "planner" and actor.region_code == region_code)


def _check_region(actor: User, region_code: str) -> None:
    if region_code not in {fact.code for fact in region_facts()}:
        raise NotFound(_l("No such region."))
    if not may_manage_region(actor, region_code):
        raise Forbidden(_l("Only the region's planners can manage its calendar address."))


def region_token(region_code: str) -> CalendarFeedToken | None:
    return db.session.scalar(
        db.select(CalendarFeedToken).where(CalendarFeedToken.region_code == region_code)
    )


def user_token(user: User) -> CalendarFeedToken | None:
    return db.session.scalar(
        db.select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id)
    )


def _renew(
    row: CalendarFeedToken | None, actor: User, **owner: object
) -> tuple[str, CalendarFeedToken]:
    token, token_hash = new_token()
    if row is None:
        row = CalendarFeedToken(**owner)
        db.session.add(row)
    row.token_hash = token_hash
    row.created_at = utcnow()
    row.created_by_id = actor.id
    db.session.flush()
    return token, row


def renew_region_token(actor: User, region_code: str) -> str:
    """Make (or replace) the region's feed token; returns the token, to be shown once."""
    _check_region(actor, region_code)
    token, row = _renew(region_token(region_code), actor, region_code=region_code)
    audit.record("calendar_token.renew", row, actor=actor, region=region_code)
    return token


def revoke_region_token(actor: User, region_code: str) -> bool:
    _check_region(actor, region_code)
    row = region_token(region_code)
    if row is None:
        return False
    audit.record("calendar_token.revoke", row, actor=actor, region=region_code)
    db.session.delete(row)
    return True


def _check_own(user: User) -> None:
    if not user.region_code:
        raise Forbidden(_l("A personal calendar needs a home region."))


def renew_user_token(user: User) -> str:
    """Make (or replace) the user's own duties feed token; returns it, to be shown once."""
    _check_own(user)
    token, row = _renew(user_token(user), user, user_id=user.id)
    audit.record("calendar_token.renew", row, actor=user, owner="user")
    return token


def revoke_user_token(user: User) -> bool:
    row = user_token(user)
    if row is None:
        return False
    audit.record("calendar_token.revoke", row, actor=user, owner="user")
    db.session.delete(row)
    return True


def user_for_token(token: str) -> User | None:
    """The active staff user with a home region whose feed token this is."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user = db.session.scalar(
        db.select(User)
        .join(CalendarFeedToken, CalendarFeedToken.user_id == User.id)
        .where(CalendarFeedToken.token_hash == hash_token(token))
    )
    if user is None or not user.active or not user.region_code:
        return None
    return user
