"""Revision 0008 gives every application whose personal link still works its short link,
and none to a revoked one; existing outbox rows become email."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import text

from scheduler.config import ROOT
from scheduler.crypto import TEST_KEY
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import short_code
from scheduler.extensions import db
from scheduler.notify.models import OutboxMessage
from scheduler.regions.data import sync_regions
from scheduler.security import derived_token, hash_token
from tests.enrolment.test_encryption import _app_with_keys, _empty_database, _insert_old_rows


def test_upgrade_gives_working_links_their_short_link():
    with (
        _empty_database() as url,
        _app_with_keys(url, [TEST_KEY]) as upgrading,
        upgrading.app_context(),
    ):
        upgrade(directory=str(ROOT / "migrations"), revision="0004")
        sync_regions()
        _insert_old_rows(datetime(2026, 11, 1, tzinfo=UTC))
        secret = upgrading.config["SECRET_KEY"]
        # The first application's link works (its hash is the derived token's); the second
        # was revoked (a hash nobody's token has).
        working = hash_token(derived_token(secret, "participant", "n1", ""))
        db.session.execute(
            text("UPDATE application SET token_hash = :hash WHERE id = 1"), {"hash": working}
        )
        db.session.execute(
            text(
                "INSERT INTO outbox_message (recipient, language, subject, body, kind, "
                "created_at, next_attempt_at, attempts, last_error, urgent) VALUES "
                "('a@example.org', 'fi', 'S', 'B', 'test', :now, :now, 0, '', false)"
            ),
            {"now": datetime(2026, 11, 1)},
        )
        db.session.commit()

        upgrade(directory=str(ROOT / "migrations"))

        first, revoked = db.session.scalars(db.select(Application).order_by(Application.id))
        assert first.short_hash == hash_token(short_code(first))
        assert revoked.short_hash is None
        assert (first.contact, first.messages_to, first.support_person) == (
            "email",
            "applicant",
            None,
        )
        message = db.session.scalar(db.select(OutboxMessage))
        assert (message.channel, message.phone) == ("email", "")
        db.session.remove()
