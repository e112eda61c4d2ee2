"""Creating users and tokens; signing in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from scheduler import audit
from scheduler.accounts.models import ROLES, ApiToken, User
from scheduler.errors import Conflict, FieldErrors, NotFound
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
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
