"""access and encryption

Session versions, the sign-in throttle, outbox messages tied to their application, health
data encrypted at rest, and no unique (course, email) on applications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00

The upgrade encrypts the existing clear text of application.needs, .message and .phone
with the newest key of DATA_ENCRYPTION_KEYS (the app's configuration, as for every
start); `flask --app scheduler privacy reencrypt` does the same for any row left in clear
text and moves every row to the newest key.
"""

from alembic import op
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import current_app

import scheduler.dbtypes


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ENCRYPTED = ("needs", "message", "phone")
FERNET_PREFIX = "gAAAAA"


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )

    op.create_table(
        "sign_in_throttle",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", scheduler.dbtypes.UTCDateTime(), nullable=False),
        sa.Column("locked_until", scheduler.dbtypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_throttle_window_started_at"),
            ["window_started_at"],
            unique=False,
        )

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_message_application_id"), ["application_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_application_id_application"),
            "application",
            ["application_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Plain operations, not batch: on SQLite a batch would copy and drop the application
    # table, which other tables reference.
    op.drop_index(
        "uq_application_course_email",
        table_name="application",
        sqlite_where=sa.text("email != ''"),
        postgresql_where=sa.text("email != ''"),
    )
    op.create_index("ix_application_course_email", "application", ["course_id", "email"])
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        op.alter_column(
            "application",
            "phone",
            existing_type=sa.String(length=40),
            type_=sa.Text(),
            existing_nullable=False,
        )

    _encrypt_clear_text()


def _encrypt_clear_text():
    """Encrypt every non-empty, not yet encrypted value with the configured newest key."""
    keys = current_app.config["DATA_ENCRYPTION_KEYS"]
    fernet = Fernet(keys[0])
    application = sa.table("application", sa.column("id", sa.Integer), *(
        sa.column(name, sa.Text) for name in ENCRYPTED
    ))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(application.c.id, *(application.c[name] for name in ENCRYPTED))
    ).all()
    for row in rows:
        values = {
            name: fernet.encrypt(value.encode("utf-8")).decode("ascii")
            for name, value in zip(ENCRYPTED, row[1:])
            if value and not value.startswith(FERNET_PREFIX)
        }
        if values:
            connection.execute(
                sa.update(application).where(application.c.id == row[0]).values(**values)
            )


def downgrade():
    _decrypt_to_clear_text()
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "application",
            "phone",
            existing_type=sa.Text(),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
    op.drop_index("ix_application_course_email", table_name="application")
    op.create_index(
        "uq_application_course_email",
        "application",
        ["course_id", "email"],
        unique=True,
        sqlite_where=sa.text("email != ''"),
        postgresql_where=sa.text("email != ''"),
    )

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_application_id_application"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_message_application_id"))
        batch_op.drop_column("application_id")

    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttle_window_started_at"))
    op.drop_table("sign_in_throttle")

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")


def _decrypt_to_clear_text():
    from cryptography.fernet import MultiFernet

    cipher = MultiFernet([Fernet(key) for key in current_app.config["DATA_ENCRYPTION_KEYS"]])
    application = sa.table("application", sa.column("id", sa.Integer), *(
        sa.column(name, sa.Text) for name in ENCRYPTED
    ))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(application.c.id, *(application.c[name] for name in ENCRYPTED))
    ).all()
    for row in rows:
        values = {
            name: cipher.decrypt(value.encode("ascii")).decode("utf-8")
            for name, value in zip(ENCRYPTED, row[1:])
            if value and value.startswith(FERNET_PREFIX)
        }
        if values:
            connection.execute(
                sa.update(application).where(application.c.id == row[0]).values(**values)
            )
