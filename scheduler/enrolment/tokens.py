"""The applicant's personal link token and short code: re-creatable by the server from the
application's nonce, stored only as hashes. A new nonce revokes both."""

from __future__ import annotations

from flask import current_app

from scheduler.enrolment.models import TOKEN_PURPOSE, Application
from scheduler.extensions import db
from scheduler.security import (
    SHORT_LENGTH,
    derived_short_code,
    derived_token,
    hash_token,
    new_nonce,
    new_token,
)

SHORT_PURPOSE = "participant-short"


def personal_token(application: Application) -> str:
    return derived_token(
        current_app.config["SECRET_KEY"], TOKEN_PURPOSE, application.token_nonce, ""
    )


def short_code(application: Application) -> str:
    """The code of the short links /m/<code> and /j/<code> (text messages, the card)."""
    return derived_short_code(
        current_app.config["SECRET_KEY"], SHORT_PURPOSE, application.token_nonce
    )


def assign_new_token(application: Application) -> str:
    """Give the application a fresh token (a new nonce revokes the old links)."""
    application.token_nonce = new_nonce()
    token = personal_token(application)
    application.token_hash = hash_token(token)
    application.short_hash = hash_token(short_code(application))
    return token


def revoke_token(application: Application) -> None:
    """Make every link of the application stop working for good.

    The new hash belongs to a random token nobody holds, so even personal_token() (which
    later emails use) yields a link that no longer matches.
    """
    application.token_nonce = new_nonce()
    application.token_hash = new_token()[1]
    application.short_hash = None


def find_by_token(token: str, *, for_update: bool = False) -> Application | None:
    if not token or len(token) > 100:
        return None
    query = db.select(Application).where(Application.token_hash == hash_token(token))
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def find_by_short_code(code: str) -> Application | None:
    if len(code) != SHORT_LENGTH or not code.isascii() or not code.isalnum():
        return None
    return db.session.scalar(
        db.select(Application).where(Application.short_hash == hash_token(code))
    )
