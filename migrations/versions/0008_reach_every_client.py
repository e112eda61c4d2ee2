"""reach every client

Text messages in the outbox (a channel and an encrypted number), the applicant's contact
channel, a keyed hash of the phone number, short links for text messages, who gets the
messages, and the support person as a party of their own (encrypted at rest).

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-14 10:00:00

The upgrade gives every application whose personal link still works its short link's
hash, derived from SECRET_KEY as the running app derives it (the app's configuration, as
for every start).
"""

from alembic import op
import sqlalchemy as sa
from flask import current_app

import scheduler.dbtypes
from scheduler.security import derived_short_code, derived_token, hash_token


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

TOKEN_PURPOSE = "participant"
SHORT_PURPOSE = "participant-short"


def upgrade():
    # Plain operations, not batch: on SQLite a batch would copy and drop the application
    # table, which other tables reference.
    op.add_column(
        "outbox_message",
        sa.Column("channel", sa.String(length=5), server_default="email", nullable=False),
    )
    op.add_column(
        "outbox_message",
        sa.Column("phone", scheduler.dbtypes.EncryptedText(), server_default="", nullable=False),
    )
    op.add_column(
        "application",
        sa.Column("contact", sa.String(length=5), server_default="email", nullable=False),
    )
    op.add_column(
        "application",
        sa.Column(
            "messages_to", sa.String(length=14), server_default="applicant", nullable=False
        ),
    )
    op.add_column("application", sa.Column("phone_hash", sa.String(length=64), nullable=True))
    op.add_column("application", sa.Column("short_hash", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_application_course_phone_hash", "application", ["course_id", "phone_hash"]
    )
    op.create_index("ix_application_short_hash", "application", ["short_hash"], unique=True)

    op.create_table(
        "support_person",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("name", scheduler.dbtypes.EncryptedText(), nullable=False),
        sa.Column("email", scheduler.dbtypes.EncryptedText(), nullable=False),
        sa.Column("phone", scheduler.dbtypes.EncryptedText(), nullable=False),
        sa.Column("relation", scheduler.dbtypes.EncryptedText(), nullable=False),
        sa.Column("contact", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_support_person_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_support_person")),
    )
    _give_short_links()


def _give_short_links():
    secret = current_app.config["SECRET_KEY"]
    application = sa.table(
        "application",
        sa.column("id", sa.Integer),
        sa.column("token_nonce", sa.String),
        sa.column("token_hash", sa.String),
        sa.column("short_hash", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(application.c.id, application.c.token_nonce, application.c.token_hash)
    ).all()
    for row in rows:
        token = derived_token(secret, TOKEN_PURPOSE, row.token_nonce, "")
        if hash_token(token) != row.token_hash:
            continue  # a revoked link gets no short link either
        code = derived_short_code(secret, SHORT_PURPOSE, row.token_nonce)
        connection.execute(
            application.update()
            .where(application.c.id == row.id)
            .values(short_hash=hash_token(code))
        )


def downgrade():
    op.drop_table("support_person")
    op.drop_index("ix_application_short_hash", table_name="application")
    op.drop_index("ix_application_course_phone_hash", table_name="application")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("short_hash")
        batch_op.drop_column("phone_hash")
        batch_op.drop_column("messages_to")
        batch_op.drop_column("contact")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("channel")
