"""Staff users in the service: invitations, who sees whom, role, region and deactivation.

Admins invite anyone and change anyone; a planner invites facilitators of their own region
and sees their region's users. An invited user gets an email with a one-time link to set a
password (scheduler.accounts.passwords). Deactivating a user ends their sessions, revokes
their API tokens and closes their open links at once; the audit log names ids, roles and
region codes, never an email address or a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from scheduler import audit
from scheduler.accounts import passwords
from scheduler.accounts.addresses import normalise_email
from scheduler.accounts.models import ROLES, User
from scheduler.accounts.services import end_all_sessions
from scheduler.api import inputs
from scheduler.errors import Conflict, FieldErrors, Forbidden, NotFound
from scheduler.extensions import db
from scheduler.i18n import LANGUAGES
from scheduler.notify.outbox import queue_email
from scheduler.regions.data import region_facts

INVITE_FIELDS = frozenset({"email", "role", "region", "name", "language"})
CHANGE_FIELDS = frozenset({"role", "region", "active"})
REGIONAL_ROLES = ("planner", "facilitator")
NAME_MAX = 120


@dataclass(frozen=True)
class Invitation:
    email: str
    role: str
    region: str | None
    name: str
    language: str | None


@dataclass(frozen=True)
class UserChange:
    """Only the fields that were given are in `fields` (a missing region differs from null)."""

    fields: frozenset[str]
    role: str | None = None
    region: str | None = None
    active: bool | None = None


# --- input ---------------------------------------------------------------------------------------


def _unknown_fields(data: Mapping[str, Any], allowed: frozenset[str], errors: FieldErrors) -> None:
    for key in sorted(set(data) - allowed):
        errors.add(str(key), _l("Unknown field."))


def _role(value: Any, errors: FieldErrors) -> str | None:
    if value not in ROLES:
        errors.add("role", _l("Choose admin, planner or facilitator."))
        return None
    return str(value)


def _region(value: Any, errors: FieldErrors) -> str | None:
    """A region code, or None for null / an empty choice."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in _region_codes():
        errors.add("region", _l("Unknown region code."))
        return None
    return value


def _region_codes() -> set[str]:
    return {fact.code for fact in region_facts()}


def parse_invitation(data: Mapping[str, Any]) -> Invitation:
    """The invitation in `data` (JSON or a form), or ValidationFailed naming every problem."""
    errors = FieldErrors()
    _unknown_fields(data, INVITE_FIELDS, errors)
    email = normalise_email(data.get("email"), errors)
    role = _role(data.get("role"), errors)
    region = _region(data.get("region"), errors)
    name = inputs.plain_text(data.get("name"), "name", errors, max_length=NAME_MAX)
    language = data.get("language")
    if language in (None, ""):
        language = None
    elif language not in LANGUAGES:
        errors.add("language", _l("Choose fi or sv."))
        language = None
    errors.raise_if_any()
    return Invitation(
        email=email, role=str(role), region=region, name=" ".join(name.split()), language=language
    )


def region_filter(value: str | None) -> str | None:
    """The `region` filter of a list: a known code, or None for none."""
    errors = FieldErrors()
    region = _region(value, errors)
    errors.raise_if_any()
    return region


def parse_change(data: Mapping[str, Any]) -> UserChange:
    errors = FieldErrors()
    _unknown_fields(data, CHANGE_FIELDS, errors)
    given = frozenset(set(data) & CHANGE_FIELDS)
    if not given and not errors:
        errors.add("role", _l("Give at least one of role, region and active."))
    role = _role(data["role"], errors) if "role" in data else None
    region = _region(data["region"], errors) if "region" in data else None
    active = data.get("active")
    if "active" in data and not isinstance(active, bool):
        errors.add("active", _l("Give true or false."))
    errors.raise_if_any()
    return UserChange(fields=given, role=role, region=region, active=active)


# --- reading -------------------------------------------------------------------------------------


def visible_users(actor: User, region: str | None = None) -> list[User]:
    """Admins: every user (or one region's); planners: their own region's users."""
    query = db.select(User).order_by(User.region_code, User.role, User.email)
    if not actor.is_admin:
        if actor.role != "planner" or region not in (None, actor.region_code):
            raise Forbidden(_l("Planners see the users of their own region only."))
        if actor.region_code is None:
            return []
        region = actor.region_code
    if region is not None:
        query = query.where(User.region_code == region)
    return list(db.session.scalars(query))


def visible_user(actor: User, user_id: int) -> User:
    """One user the actor may see; 404 for everyone else (no hint that the id exists)."""
    user = db.session.get(User, user_id)
    if user is None or not may_see(actor, user):
        raise NotFound(_l("No such user."))
    return user


def may_see(actor: User, user: User) -> bool:
    return actor.is_admin or (
        actor.role == "planner"
        and actor.region_code is not None
        and user.region_code == actor.region_code
    )


def may_invite(actor: User, role: str, region: str | None) -> bool:
    if actor.is_admin:
        return True
    return actor.role == "planner" and role == "facilitator" and region == actor.region_code


# --- changing ------------------------------------------------------------------------------------


def invite(actor: User, invitation: Invitation) -> User:
    """Create an active user without a password and email them a link to set one.

    A planner's invitation is for a facilitator of their own region (the region may be left
    out). 409 for an address that already has an account, also when two invitations race.
    The caller commits.
    """
    region = invitation.region
    if not actor.is_admin and region is None:
        region = actor.region_code
    if not may_invite(actor, invitation.role, region):
        raise Forbidden(_l("Planners can invite only facilitators of their own region."))
    if invitation.role in REGIONAL_ROLES and region is None:
        errors = FieldErrors()
        errors.add("region", _l("Planners and facilitators need a home region."))
        errors.raise_if_any()
    if db.session.scalar(db.select(User.id).where(User.email == invitation.email)) is not None:
        raise _exists()
    user = User(
        email=invitation.email,
        role=invitation.role,
        region_code=region,
        name=invitation.name,
        language=invitation.language or region_language(region),
        password_hash="",
        active=True,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # another request created the address a moment ago
        db.session.rollback()
        raise _exists() from None
    audit.record("user.invite", user, actor=actor, role=user.role, region=region)
    _send_invitation(actor, user)
    return user


def invite_again(actor: User, user_id: int) -> User:
    """A new invitation link for a user who has not set a password yet. The caller commits."""
    user = visible_user(actor, user_id)
    if not may_invite(actor, user.role, user.region_code):
        raise Forbidden(_l("Planners can invite only facilitators of their own region."))
    if not user.active:
        raise Conflict(_l("The user is deactivated. Reactivate the user first."))
    if user.password_hash:
        raise Conflict(
            _l("The user has already set a password. They can use “Forgot your password?”.")
        )
    passwords.close_open_links(user)
    audit.record("user.invite_again", user, actor=actor)
    _send_invitation(actor, user)
    return user


def _send_invitation(actor: User, user: User) -> None:
    token, expires_at = passwords.issue_link(user, "invitation")
    queue_email(
        user.email,
        "accounts/invitation",
        user.language,
        kind="accounts.invitation",
        link=passwords.link_url(token),
        sign_in=passwords.public_url("accounts.sign_in"),
        expires_at=expires_at,
        name=user.name,
        role=user.role,
        region=user.region_code,
        email=user.email,
    )


def region_language(region: str | None) -> str:
    for fact in region_facts():
        if fact.code == region:
            return fact.languages[0]
    return "fi"


def _exists() -> Conflict:
    return Conflict(_l("A user with this email already exists."))


def change_user(actor: User, user_id: int, change: UserChange) -> User:
    """An admin changes a user's role, region or active state. The caller commits.

    409 when the change would leave no active admin, or an admin would deactivate
    themselves. Deactivation ends the user's sessions, revokes their API tokens and closes
    their open links; reactivation brings none of them back.
    """
    if not actor.is_admin:
        raise Forbidden(_l("Only admins can change users."))
    _lock_admins()
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound(_l("No such user."))
    role = change.role if "role" in change.fields else user.role
    region = change.region if "region" in change.fields else user.region_code
    active = change.active if "active" in change.fields else user.active
    if role in REGIONAL_ROLES and region is None:
        errors = FieldErrors()
        errors.add("region", _l("Planners and facilitators need a home region."))
        errors.raise_if_any()
    if user.id == actor.id and not active:
        raise Conflict(_l("You cannot deactivate your own account."))
    before = {"role": user.role, "region": user.region_code, "active": user.active}
    after = {"role": role, "region": region, "active": active}
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changed:
        return user
    user.role, user.region_code, user.active = role, region, bool(active)
    db.session.flush()  # on SQLite this write admits one writer: the count below is current
    if _active_admins() == 0:
        raise Conflict(_l("The service needs at least one active admin."))
    audit.record("user.update", user, actor=actor, **changed)
    if before["active"] and not active:
        passwords.close_open_links(user)
        end_all_sessions(user, actor=actor, revoke_tokens=True)
    return user


def _lock_admins() -> None:
    """PostgreSQL: hold the active admins' rows, so two admins demoting each other at once
    cannot leave none (SQLite admits one writer anyway).

    Taken before anything of this request is flushed (the bearer token's last use, for
    one): every change of users then locks user rows first and token rows after, and two
    admins revoking each other's tokens cannot deadlock.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with db.session.no_autoflush:
        db.session.execute(
            db.select(User.id)
            .where(User.role == "admin", User.active.is_(True))
            .order_by(User.id)
            .with_for_update()
        ).all()


def _active_admins() -> int:
    return len(
        db.session.scalars(
            db.select(User.id).where(User.role == "admin", User.active.is_(True))
        ).all()
    )
