"""Indexes for reading at national scale.

Revision ID: 0003
Revises: 0008
Create Date: 2026-12-01 19:00:00

The newest change of any course or session (one index seek answers whether derived data is
still valid), the open or next session of one course, every course's coming sessions from
the index alone (the catalogue), and a region's co-hosting duties in a date window (feeds).
"""

from alembic import op

revision = "0003"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("course", "ix_course_updated_at", ["updated_at"]),
    ("course_session", "ix_course_session_updated_at", ["updated_at"]),
    ("course_session", "ix_course_session_course_end", ["course_id", "ends_at"]),
    (
        "course_session",
        "ix_course_session_upcoming",
        ["ends_at", "status", "course_id", "starts_at"],
    ),
    ("course_session", "ix_course_session_cohost_start", ["cohost_region", "starts_at"]),
)


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
