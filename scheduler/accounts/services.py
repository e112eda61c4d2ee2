"""Creating users and tokens; signing in."""

from __future__ import annotations

import secrets
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler import audit
from scheduler.accounts import throttle
from scheduler.accounts.models import ROLES, ApiToken, User
from scheduler.dbtypes import utcnow
from scheduler.errors import Conflict, FieldErrors, NotFound, TooManyRequests
from scheduler.extensions import db
from scheduler.regions.data import region_facts
from scheduler.security import new_token

MIN_PASSWORD = 10


def create_user(
    email: str,
    role: str,
    password: str,
    *,
    region: str | None = None,
    name: str = "",
    language: str = "fi",
) -> User:
    """Create a staff user; planners and facilitators need a home region."""
    errors = FieldErrors()
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        errors.add("email", _l("Check the email address."))
    if role not in ROLES:
        errors.add("role", _l("Choose admin, planner or facilitator."))
    if role in ("planner", "facilitator") and not region:
        errors.add("region", _l("Planners and facilitators need a home region."))
    if region and region not in {fact.code for fact in region_facts()}:
        errors.add("region", _l("Unknown region code."))
    if len(password) < MIN_PASSWORD:
        errors.add("password", _l("Use at least %(count)d characters.", count=MIN_PASSWORD))
    errors.raise_if_any()
    if db.session.scalar(db.select(User.id).where(User.email == email)) is not None:
        raise Conflict(_l("A user with this email already exists."))
    user = User(email=email, role=role, region_code=region, name=name, language=language)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, role=role, region=region)
    return user


def find_user(email: str) -> User:
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(_l("No such user."))
    return user


def issue_token(user: User) -> str:
    """Create an API token; only its hash is stored, so it is shown once."""
    token, token_hash = new_token()
    row = ApiToken(user_id=user.id, token_hash=token_hash)
    db.session.add(row)
    db.session.flush()
    audit.record("token.create", row, user_id=user.id)
    return token


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None.

    Equal work whatever the answer: an unknown email, a user without a password and a
    deactivated user all cost one password hash check, like a known one, so the time of
    the answer does not tell whether an account exists.
    """
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    matches = check_password_hash(stored, password)
    if user is None or not user.password_hash or not user.active or not matches:
        return None
    return user


@cache
def _dummy_hash() -> str:
    """A hash made the same way (and as slowly) as real ones, of a password nobody knows."""
    return generate_password_hash(secrets.token_urlsafe(32))


def sign_in(email: str, password: str, address: str | None) -> User | None:
    """Check a sign-in within the shared limits (scheduler.accounts.throttle).

    Raises TooManyRequests (with Retry-After seconds) while the account or the address is
    locked, before the password is looked at. The attempt is committed here, on its own,
    before the slow password check: it counts even if the request dies, and its row lock
    is not held while hashing. On success the caller commits the given-back count.
    """
    keys = throttle.keys_for(email, address)
    wait = throttle.count_attempt(keys)
    db.session.commit()
    if wait is not None:
        minutes = max(1, round(wait / 60))
        raise TooManyRequests(
            lazy_ngettext(
                "Too many sign-in attempts. Please wait %(num)d minute and try again.",
                "Too many sign-in attempts. Please wait %(num)d minutes and try again.",
                minutes,
            ),
            retry_after=wait,
        )
    user = authenticate(email, password)
    if user is not None:
        throttle.give_back(keys)
        audit.record("user.sign_in", user, actor=user)
    return user


def end_all_sessions(user: User, *, actor: User | None = None, revoke_tokens: bool = False) -> None:
    """End every signed-in session of `user` at once, copied cookies included.

    For sign-out, password changes and resets, and deactivation. With `revoke_tokens`
    the user's API tokens stop working too (deactivation also stops them by itself).
    The caller commits.
    """
    user.session_version = (user.session_version or 0) + 1
    revoked = 0
    if revoke_tokens:
        result = db.session.execute(
            db.update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        revoked = result.rowcount or 0
    audit.record("user.sessions_ended", user, actor=actor, tokens_revoked=revoked)
