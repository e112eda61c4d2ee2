"""course lifecycle: course status and cancel reasons, urgent mail, audit and desk indexes

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01 19:00:00

"""

import sqlalchemy as sa
from alembic import op

import scheduler.dbtypes

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="active")
        )
        batch_op.add_column(
            sa.Column("cancel_reason_fi", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cancel_reason_sv", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cancelled_at", scheduler.dbtypes.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("course_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancel_reason_fi", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cancel_reason_sv", sa.Text(), nullable=False, server_default="")
        )

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_region_status", ["region_code", "status"], unique=False
        )


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_region_status")

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_actor_id"))

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("urgent")

    with op.batch_alter_table("course_session", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason_sv")
        batch_op.drop_column("cancel_reason_fi")

    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("cancel_reason_sv")
        batch_op.drop_column("cancel_reason_fi")
        batch_op.drop_column("status")
