"""Passwords: the rules for a new one, one-time links to set one, changing and resetting.

A link's token is 256 random bits (scheduler.security.new_token); only its SHA-256 is
stored. An invitation link works for 72 hours, a reset link for one hour, each only once:
using a link closes every other open link of the user, and setting a password in any way
ends every other session of the user (end_all_sessions). API tokens are not revoked by a
password change: they are handed out by operators, never through a signed-in session.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from scheduler import audit
from scheduler.accounts import throttle
from scheduler.accounts.models import PasswordLink, User
from scheduler.accounts.services import end_all_sessions
from scheduler.dbtypes import utcnow
from scheduler.errors import Conflict, FieldErrors, TooManyRequests, ValidationFailed
from scheduler.extensions import db
from scheduler.notify.outbox import queue_email, render_email
from scheduler.security import hash_token, new_token

MIN_LENGTH = 10
MAX_LENGTH = 200
INVITATION_VALID = timedelta(hours=72)
RESET_VALID = timedelta(hours=1)
# Spent links are kept this long (so a late click hears "used" or "too old"), then deleted.
KEEP_SPENT_LINKS = timedelta(days=30)
# "Forgot password": reset emails per address, and requests per client address, per window.
RESET_EMAILS_PER_ADDRESS = 3
RESET_REQUESTS_PER_CLIENT = 20
RESET_WINDOW = timedelta(hours=1)  # at most throttle.LONGEST_WINDOW

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
# The most used passwords of ten characters or more (from published password lists).
_COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "0987654321",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "asdfghjkl1",
        "password12",
        "password123",
        "password1234",
        "salasana123",
        "salasana1234",
        "lösenord123",
        "iloveyou12",
        "qwerty1234",
        "qwerty12345",
        "abcdefghij",
        "abc1234567",
        "etapaiva123",
        "etäpäivä123",
    }
)


class LinkUnusable(Conflict):
    """A set-password link that cannot be used: `state` is unknown, used or expired."""

    def __init__(self, state: str) -> None:
        super().__init__(_l("This link cannot be used."))
        self.state = state


# --- rules -------------------------------------------------------------------------------------


def check_new_password(
    password: str, again: str, email: str, errors: FieldErrors, field: str = "new_password"
) -> None:
    """Add the problems of a new password to `errors`: long enough, not a well-known one,
    not the email address, the same both times. No rules on character kinds (NIST 800-63B)."""
    if len(password) < MIN_LENGTH:
        errors.add(field, _l("Use at least %(count)d characters.", count=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        errors.add(field, _l("Use at most %(count)d characters.", count=MAX_LENGTH))
    elif _too_easy(password, email):
        errors.add(
            field,
            _l("This password is too easy to guess. Use a few words that only you know together."),
        )
    if password != again:
        errors.add(f"{field}_again", _l("The two passwords are not the same."))


def _too_easy(password: str, email: str) -> bool:
    lowered = password.strip().lower()
    local_part = email.strip().lower().partition("@")[0]
    return (
        lowered in _COMMON
        or len(set(lowered)) <= 2
        or lowered == email.strip().lower()
        or (len(local_part) >= 4 and local_part in lowered and len(lowered) - len(local_part) < 6)
    )


# --- one-time links ----------------------------------------------------------------------------


def issue_link(user: User, purpose: str) -> tuple[str, datetime]:
    """A new one-time link for `user` ("invitation" or "reset"): (token, expiry).

    Only the token's hash is stored; the token goes into one email and nowhere else.
    """
    valid = INVITATION_VALID if purpose == "invitation" else RESET_VALID
    token, token_hash = new_token()
    expires_at = utcnow() + valid
    db.session.add(
        PasswordLink(user_id=user.id, purpose=purpose, token_hash=token_hash, expires_at=expires_at)
    )
    return token, expires_at


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute address for an email, also outside a request."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def link_url(token: str) -> str:
    """The absolute address of a set-password link."""
    return public_url("accounts.set_password", token=token)


def find_link(token: str) -> PasswordLink:
    """The usable link of `token`, or LinkUnusable saying why (unknown, used, expired)."""
    if not _TOKEN_SHAPE.fullmatch(token):
        raise LinkUnusable("unknown")
    row = db.session.execute(
        db.select(PasswordLink, User)
        .join(User, PasswordLink.user_id == User.id)
        .where(PasswordLink.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise LinkUnusable("unknown")
    link, user = row
    if link.used_at is not None or not user.active:
        raise LinkUnusable("used")
    if link.expires_at <= utcnow():
        raise LinkUnusable("expired")
    return link


def close_open_links(user: User, now: datetime | None = None) -> int:
    """Make every unused link of `user` unusable (a link was used, or the user left)."""
    result = db.session.execute(
        db.update(PasswordLink)
        .where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def forget_old_links() -> int:
    """Delete links that expired more than KEEP_SPENT_LINKS ago (the privacy purge)."""
    result = db.session.execute(
        db.delete(PasswordLink).where(PasswordLink.expires_at <= utcnow() - KEEP_SPENT_LINKS)
    )
    return result.rowcount or 0


def set_password_with_link(token: str, password: str, again: str) -> User:
    """Set the password of a link's user; the link and every other open one are used up.

    Ends every session of the user. Two requests with one link at once: the first wins,
    the other gets LinkUnusable("used") — the link is claimed with one conditional UPDATE.
    The caller commits.
    """
    link = find_link(token)
    user = link.user
    errors = FieldErrors()
    check_new_password(password, again, user.email, errors)
    errors.raise_if_any()
    user.set_password(password)  # the slow hash, before any row is locked
    now = utcnow()
    claimed = db.session.execute(
        db.update(PasswordLink)
        .where(
            PasswordLink.id == link.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkUnusable("used")
    close_open_links(user, now)
    end_all_sessions(user, actor=user)
    audit.record("user.password_set", user, actor=user, link=link.purpose)
    return user


# --- changing and resetting ----------------------------------------------------------------------


def change_password(user: User, current: str, new: str, again: str, address: str | None) -> None:
    """Change a signed-in user's own password; the current one is required.

    A wrong current password counts as a failed sign-in (the same shared limits), so a
    left-open session cannot be used to guess it. Ends every session of the user; the
    caller signs the current one in again. The caller commits.
    """
    errors = FieldErrors()
    if not current:
        errors.add("current_password", _l("Enter your current password."))
    check_new_password(new, again, user.email, errors)
    if current and new == current:
        errors.add("new_password", _l("Choose a password that differs from the current one."))
    errors.raise_if_any()
    keys = throttle.keys_for(user.email, address)
    wait = throttle.count_attempt(keys)
    db.session.commit()  # the attempt counts even if the request dies
    if wait is not None:
        raise _too_many_attempts(wait)
    if not user.check_password(current):
        raise ValidationFailed(errors={"current_password": [_l("The current password is wrong.")]})
    throttle.give_back(keys)
    user.set_password(new)
    close_open_links(user)
    end_all_sessions(user, actor=user)
    audit.record("user.password_changed", user, actor=user)


def request_reset(email: str, address: str | None, language: str) -> None:
    """Email a one-time reset link when `email` belongs to an active user; say nothing.

    The answer must not tell whether the address has an account, neither by its words nor
    by its time, so an unknown address costs the same work: both throttle counts, the
    lookup, a new token and the rendering of the email. Only the rows of a real reset (its
    link, its email and its audit entry) are extra; the page (password_views) hides that
    by answering no sooner than a fixed time. At most RESET_EMAILS_PER_ADDRESS emails go to one
    address per RESET_WINDOW (further requests answer the same and send nothing), and one
    client address gets RESET_REQUESTS_PER_CLIENT requests (then 429, for every address
    alike). The caller commits the counts with the rest in one transaction, so both answers
    cost one commit.
    """
    email = email.strip().lower()
    wait = throttle.hit(
        throttle.keyed("reset-client", address or ""), RESET_REQUESTS_PER_CLIENT, RESET_WINDOW
    )
    if wait is not None:
        db.session.commit()
        raise TooManyRequests(
            _l("Too many requests from this network. Please wait a while and try again."),
            retry_after=wait,
        )
    enough_sent = (
        throttle.hit(throttle.keyed("reset-address", email), RESET_EMAILS_PER_ADDRESS, RESET_WINDOW)
        is not None
    )
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None or not user.active or enough_sent:
        token, _hash = new_token()
        render_email(
            "accounts/reset",
            language,
            **_reset_context(token, utcnow() + RESET_VALID, name=""),
        )
        return
    token, expires_at = issue_link(user, "reset")
    queue_email(
        user.email,
        "accounts/reset",
        user.language,
        kind="accounts.reset",
        **_reset_context(token, expires_at, name=user.name),
    )
    audit.record("user.reset_link_sent", user, valid_minutes=int(RESET_VALID.total_seconds() // 60))


def _reset_context(token: str, expires_at: datetime, *, name: str) -> dict[str, Any]:
    return {"link": link_url(token), "expires_at": expires_at, "name": name}


def _too_many_attempts(wait: int) -> TooManyRequests:
    minutes = max(1, round(wait / 60))
    return TooManyRequests(
        lazy_ngettext(
            "Too many sign-in attempts. Please wait %(num)d minute and try again.",
            "Too many sign-in attempts. Please wait %(num)d minutes and try again.",
            minutes,
        ),
        retry_after=wait,
    )
