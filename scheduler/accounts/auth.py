"""Who is asking: bearer tokens for the API, the signed-in user for pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from scheduler.accounts.models import ApiToken, User
from scheduler.dbtypes import utcnow
from scheduler.errors import Forbidden, Unauthorized
from scheduler.extensions import db, login_manager
from scheduler.security import hash_token

F = TypeVar("F", bound=Callable[..., Any])
STAFF_ROLES = ("admin", "planner", "facilitator")


def signed_in_user() -> User:
    """The signed-in user as a model object (Flask-Login hands out a proxy)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def bearer_user() -> User | None:
    """The user of a valid, unrevoked bearer token, or None when there is no token header."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_l("Use the header Authorization: Bearer <token>."))
    row = db.session.execute(
        db.select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.User.active:
        raise Unauthorized(_l("The token is not valid."))
    row.ApiToken.last_used_at = utcnow()
    return row.User


def api_auth(*roles: str) -> Callable[[F], F]:
    """Require a bearer token of one of `roles` (any staff role when none given)."""
    allowed = roles or STAFF_ROLES

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = bearer_user()
            if user is None:
                raise Unauthorized(_l("Sign-in required: send a bearer token."))
            if user.role not in allowed:
                raise Forbidden(_l("Your role does not allow this."))
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def staff_required(*roles: str) -> Callable[[F], F]:
    """Pages: require a signed-in user of one of `roles` (any staff role when none given)."""
    allowed = roles or STAFF_ROLES

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
