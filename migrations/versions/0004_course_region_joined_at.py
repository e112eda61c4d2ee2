"""course_region.joined_at: when a region joined a course that had already started

A region's fair share of a course counts only the sessions from the moment it joined (null: it
took part from the start), so joining a running course brings no debt from before.

Revision ID: 0004
Revises: 0007
Create Date: 2026-12-01 18:00:00

"""

from alembic import op
import sqlalchemy as sa
import scheduler.dbtypes


revision = "0004"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("course_region", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_at", scheduler.dbtypes.UTCDateTime(), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("course_region", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
