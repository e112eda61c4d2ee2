"""The migrations build exactly the schema the models describe (Alembic's autogenerate
comparison against the migrated test database): a model change without its migration, or a
migration the models do not know, fails here on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import scheduler.models  # noqa: F401  (every table)
from scheduler.database import latest_revisions
from scheduler.extensions import db


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
        current = set(context.get_current_heads())
    assert differences == []
    assert current == latest_revisions()


def test_one_head(ctx):
    assert len(latest_revisions()) == 1
