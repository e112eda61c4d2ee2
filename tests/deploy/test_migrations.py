"""The migrations build exactly the schema the models describe (Alembic's autogenerate
comparison against the migrated test database): a model change without its migration, or a
migration the models do not know, fails here on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import String

import scheduler.models  # noqa: F401  (every table)
from scheduler.database import latest_revisions
from scheduler.extensions import db


def _compare_type(context: Any, inspected: Any, model: Any, found: Any, wanted: Any) -> bool | None:
    """SQLite stores VARCHAR(n) and TEXT alike (no length is enforced), so a text column's
    length is compared on PostgreSQL only; everything else as Alembic compares it."""
    textual = isinstance(found, String) and isinstance(getattr(wanted, "impl", wanted), String)
    if context.dialect.name == "sqlite" and textual:
        return False
    return None


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": _compare_type})
        differences = compare_metadata(context, db.metadata)
        current = set(context.get_current_heads())
    assert differences == []
    assert current == latest_revisions()


def test_one_head(ctx):
    assert len(latest_revisions()) == 1
