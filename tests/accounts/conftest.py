"""Helpers for the staff-account tests: links from emails, the outbox, users by role."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scheduler.accounts.models import User
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage

LINK = re.compile(r"https?://[^\s]+/account/set-password/([A-Za-z0-9_-]+)")


def link_in(text: str) -> str:
    """The set-password token in an email body."""
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def queued(app: Any, recipient: str) -> list[OutboxMessage]:
    """Messages queued (not yet sent) to `recipient`, oldest first."""
    with app.app_context():
        messages = list(
            db.session.scalars(
                db.select(OutboxMessage)
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return messages


def queued_token(app: Any, recipient: str) -> str:
    messages = queued(app, recipient)
    assert messages, f"no email to {recipient}"
    return link_in(messages[-1].body)


def user_row(app: Any, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


@pytest.fixture
def admin(make_user):
    return make_user("admin", None)


@pytest.fixture
def planner(make_user):
    return make_user("planner", "05")
